"""The HTML compliance report in a real browser: headless Chromium driven by Selenium.

The page is rendered from hand-written findings (three hosts, several controls,
one unreachable host, evidence full of HTML special characters) and checked
the way a person reads it: the matrix, the counts, the filters, the details
shown on click, and that nothing in the data ran as script.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``make test``
installs them); the test fails, rather than skips, when they are missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from ansible_collections.winops.golang.plugins.module_utils import compliance_report as cr
from ansible_collections.winops.golang.plugins.module_utils import report_html

XSS = '<script>window.__pwned = 1;</script>'
XSS_IMG = '<img src=x onerror="window.__pwned = 2">'
ODD_HOST = 'lab-03 <"qa"> & \'co\''
SVC = "win-svc-02"
BUILD = "win-build-01"
DOWN = "win-04"


def finding(control: str, status: str, message: str = "",
            evidence: list[dict[str, Any]] | None = None, mode: str = "audit") -> dict[str, Any]:
    """One finding, shaped as win_go_baseline returns it."""
    return {"control": control, "title": control.replace("_", " ").capitalize(),
            "source": "winops baseline", "mode": mode, "status": status,
            "message": message or f"{control} is {status}", "evidence": evidence or []}


FINDINGS: dict[str, Any] = {
    BUILD: [
        finding("execution_policy", "compliant"),
        finding("toolchain_acl", "non_compliant", "a stray write ACE on the Go root", [
            {"path": "C:\\Program Files\\Go", "sid": "S-1-5-32-545", "name": "BUILTIN\\Users",
             "rights": ["Write", "Synchronize"], "problem": "unexpected ACE " + XSS},
        ]),
        finding("workspace_acl", "compliant"),
        finding("authenticode", "not_applicable"),
        finding("winrm", "compliant"),
        finding("defender_exclusion", "changed", mode="enforce"),
    ],
    SVC: [
        finding("execution_policy", "compliant"),
        finding("toolchain_acl", "compliant"),
        finding("workspace_acl", "compliant"),
        finding("authenticode", "non_compliant", "2 files are not signed", [
            {"path": "C:\\go\\bin\\gofmt.exe", "status": "NotSigned"},
            {"path": "C:\\go\\bin\\a&b.exe", "status": "HashMismatch", "note": XSS_IMG},
        ]),
        finding("winrm", "compliant"),
        # defender_exclusion not reported: a "not reported" cell
    ],
    ODD_HOST: [
        finding("execution_policy", "non_compliant", "policy set by <GPO> & \"MachinePolicy\"",
                [{"scope": "MachinePolicy", "policy": "Unrestricted"}]),
        finding("toolchain_acl", "compliant"),
        finding("workspace_acl", "compliant"),
        finding("authenticode", "compliant"),
        finding("winrm", "compliant"),
        finding("defender_exclusion", "compliant"),
    ],
    DOWN: "unreachable: connection timed out <after 30s> & gave up",
}
CONTROLS = ["authenticode", "defender_exclusion", "execution_policy", "toolchain_acl",
            "winrm", "workspace_acl"]
EXPECTED = {  # host -> control -> status
    BUILD: {"execution_policy": "compliant", "toolchain_acl": "non_compliant",
            "workspace_acl": "compliant", "authenticode": "not_applicable",
            "winrm": "compliant", "defender_exclusion": "changed"},
    SVC: {"execution_policy": "compliant", "toolchain_acl": "compliant",
          "workspace_acl": "compliant", "authenticode": "non_compliant",
          "winrm": "compliant", "defender_exclusion": "missing"},
    ODD_HOST: {"execution_policy": "non_compliant", "toolchain_acl": "compliant",
               "workspace_acl": "compliant", "authenticode": "compliant",
               "winrm": "compliant", "defender_exclusion": "compliant"},
}
LABELS = {"compliant": "compliant", "non_compliant": "non compliant", "changed": "changed",
          "not_applicable": "not applicable", "missing": "not reported"}


def chromium_paths() -> tuple[str, str]:
    """The Debian chromium and chromedriver; fail (not skip) when they are missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.fail("the browser test needs the Debian packages chromium and chromium-driver: "
                    "apt-get install chromium chromium-driver (make test installs them as root)")
    return browser, driver


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report rendered to an HTML file."""
    report = cr.build_report(FINDINGS, title="Fleet baseline <audit> & review",
                             generated_at="2026-11-28T21:00:00Z")
    path = tmp_path_factory.mktemp("report") / "compliance-report.html"
    path.write_text(report_html.render_html(report), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium for the module."""
    binary, driver_path = chromium_paths()
    options = Options()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1400,1100", "--disable-extensions", "--no-first-run"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    except WebDriverException as err:
        pytest.fail(f"headless chromium did not start: {err.msg}")
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def page(browser: WebDriver, report_page: Path) -> WebDriver:
    """The report freshly loaded, its script done."""
    browser.get(report_page.as_uri())
    WebDriverWait(browser, 10).until(
        lambda drv: drv.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true")
    return browser


def row(driver: WebDriver, host: str) -> WebElement:
    """The matrix row of ``host`` (found by text, so odd host names need no quoting)."""
    for candidate in driver.find_elements(By.CSS_SELECTOR, "#matrix tbody tr"):
        if candidate.get_attribute("data-host") == host:
            return candidate
    raise AssertionError(f"no matrix row for {host!r}")


def cell(driver: WebDriver, host: str, control: str) -> WebElement:
    """The matrix cell of ``host`` and ``control``."""
    for candidate in row(driver, host).find_elements(By.CSS_SELECTOR, "td.cell"):
        if candidate.get_attribute("data-col") == control:
            return candidate
    raise AssertionError(f"no matrix cell for {host!r} / {control!r}")


def severe_logs(driver: WebDriver) -> list[dict[str, Any]]:
    """Console messages of level SEVERE (errors, CSP violations)."""
    return [entry for entry in driver.get_log("browser") if entry.get("level") == "SEVERE"]


def test_title_legend_and_summary_counts(page: WebDriver) -> None:
    assert page.title == "Fleet baseline <audit> & review \u2014 2026-11-28T21:00:00Z"
    assert page.find_element(By.ID, "report-title").text == "Fleet baseline <audit> & review"
    assert "2026-11-28T21:00:00Z" in page.find_element(By.CSS_SELECTOR, ".generated").text
    counts = {card.get_attribute("data-count"):
              card.find_element(By.CSS_SELECTOR, ".count").text
              for card in page.find_elements(By.CSS_SELECTOR, "#summary .card")}
    assert counts == {"hosts": "4", "non_compliant": "3", "changed": "1", "compliant": "12",
                      "not_applicable": "1", "error": "1"}
    legend = page.find_element(By.ID, "legend").text
    for label in ("non compliant", "changed", "compliant", "not applicable", "host failed",
                  "not reported"):
        assert label in legend


def test_matrix_shows_every_host_and_control_with_status_class_and_text(page: WebDriver) -> None:
    heads = [th.get_attribute("data-col")
             for th in page.find_elements(By.CSS_SELECTOR, "#matrix thead th[data-col]")]
    assert heads == CONTROLS
    hosts = [tr.get_attribute("data-host")
             for tr in page.find_elements(By.CSS_SELECTOR, "#matrix tbody tr")]
    assert hosts == [ODD_HOST, DOWN, BUILD, SVC]  # natural, case-insensitive order
    assert row(page, ODD_HOST).find_element(By.TAG_NAME, "th").text == ODD_HOST
    for host, controls in EXPECTED.items():
        for control, status in controls.items():
            element = cell(page, host, control)
            assert f"status-{status}" in element.get_attribute("class").split(), (host, control)
            assert element.text.endswith(LABELS[status]), (host, control, element.text)
            assert element.is_displayed()
    down = row(page, DOWN).find_element(By.CSS_SELECTOR, "td.cell")
    assert "status-error" in down.get_attribute("class").split()
    assert "unreachable: connection timed out <after 30s> & gave up" in down.text
    assert "host failed" in down.text


def test_status_filter_hides_compliant_cells(page: WebDriver) -> None:
    page.find_element(By.CSS_SELECTOR, "#filters input[value=compliant]").click()
    for host, controls in EXPECTED.items():
        for control, status in controls.items():
            assert cell(page, host, control).is_displayed() == (status != "compliant"), (
                host, control)
    assert row(page, DOWN).is_displayed()
    finding_rows = page.find_elements(By.CSS_SELECTOR, "#findings tbody tr")
    visible = [tr.get_attribute("data-status") for tr in finding_rows if tr.is_displayed()]
    assert "compliant" not in visible and sorted(visible) == [
        "changed", "error", "non_compliant", "non_compliant", "non_compliant", "not_applicable"]
    assert page.find_element(By.ID, "filter-info").text == "Findings list: showing 6 of 18 rows"
    # only the failures left: the failed host's row still shows, the others with a problem too
    page.find_element(By.CSS_SELECTOR, "#filters input[value=error]").click()
    assert not row(page, DOWN).is_displayed()
    page.find_element(By.ID, "filter-reset").click()
    assert all(cell(page, host, control).is_displayed()
               for host, controls in EXPECTED.items() for control in controls)


def test_control_filter_hides_other_columns(page: WebDriver) -> None:
    select = page.find_element(By.ID, "filter-control")
    select.find_element(By.CSS_SELECTOR, "option[value=winrm]").click()
    shown = [th.get_attribute("data-col")
             for th in page.find_elements(By.CSS_SELECTOR, "#matrix thead th[data-col]")
             if th.is_displayed()]
    assert shown == ["winrm"]
    assert cell(page, BUILD, "winrm").is_displayed()
    assert not cell(page, BUILD, "toolchain_acl").is_displayed()


def test_host_filter_hides_other_hosts(page: WebDriver) -> None:
    page.find_element(By.ID, "filter-host").send_keys("SVC")
    assert row(page, SVC).is_displayed()
    for host in (BUILD, ODD_HOST, DOWN):
        assert not row(page, host).is_displayed(), host
    visible = {tr.get_attribute("data-host")
               for tr in page.find_elements(By.CSS_SELECTOR, "#findings tbody tr")
               if tr.is_displayed()}
    assert visible == {SVC}
    field = page.find_element(By.ID, "filter-host")
    field.clear()
    field.send_keys('<"qa">')
    assert row(page, ODD_HOST).is_displayed() and not row(page, SVC).is_displayed()


def test_clicking_a_non_compliant_cell_shows_its_evidence_as_text(page: WebDriver) -> None:
    panel = page.find_element(By.ID, "details")
    assert not panel.is_displayed()
    target = cell(page, BUILD, "toolchain_acl")
    target.click()
    WebDriverWait(page, 5).until(lambda drv: panel.is_displayed())
    assert page.find_element(By.ID, "details-title").text == f"{BUILD} \u00b7 toolchain_acl"
    text = panel.text
    assert "a stray write ACE on the Go root" in text
    assert "C:\\Program Files\\Go" in text and "BUILTIN\\Users" in text
    assert "Write, Synchronize" in text
    assert "unexpected ACE " + XSS in text  # the markup is shown literally
    assert "selected" in target.get_attribute("class").split()
    keys = [th.text for th in panel.find_elements(By.CSS_SELECTOR, "table.kv th")]
    assert keys == ["path", "sid", "name", "rights", "problem"]

    cell(page, SVC, "authenticode").click()
    text = panel.text
    assert "C:\\go\\bin\\a&b.exe" in text and XSS_IMG in text and "HashMismatch" in text
    assert page.find_elements(By.CSS_SELECTOR, "#details script, #details img") == []
    assert page.execute_script("return window.__pwned === undefined")

    row(page, DOWN).find_element(By.CSS_SELECTOR, "td.cell").click()
    assert "connection timed out <after 30s> & gave up" in panel.text
    page.find_element(By.ID, "details-close").click()
    assert not panel.is_displayed()


def test_no_script_from_the_data_ran_and_no_console_errors(page: WebDriver) -> None:
    for host, controls in EXPECTED.items():
        for control, status in controls.items():
            if status != "missing":
                cell(page, host, control).click()
    assert page.execute_script("return window.__pwned === undefined")
    assert page.execute_script("return document.querySelectorAll('script').length") == 1
    assert severe_logs(page) == []


def test_screenshot(page: WebDriver, tmp_path: Path) -> None:
    cell(page, BUILD, "toolchain_acl").click()
    page.execute_script("window.scrollTo(0, 0)")
    shot = tmp_path / "compliance-report.png"
    assert page.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
