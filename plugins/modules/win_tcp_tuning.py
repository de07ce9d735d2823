#!/usr/bin/python
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: win_tcp_tuning
short_description: Tune TCP/IP and scheduler settings of hosts that run high-concurrency Go servers
version_added: 0.1.0
description:
  - Sets the supported, documented Windows Server settings that matter to a server
    with many short-lived connections, namely the dynamic (ephemeral) port ranges,
    C(TcpTimedWaitDelay), the TCP template settings, the TCP/IP offload globals,
    C(Win32PrioritySeparation), NTFS last-access updates, and (only when
    acknowledged) C(DisableTaskOffload).
  - Every value is checked on the controller before anything reaches the host.
    Values no release accepts, and settings that do nothing or do not exist on
    Windows Server 2016 and later, fail the task with no round trip to the host.
    Values some releases lack (for example C(cubic) on Server 2016) fail after
    the host's build is read, before anything is written.
  - Reads everything in one round trip; when something differs, writes it in a
    second one with compare-and-set, so a value changed by someone else in
    between fails the task with C(conflict) instead of being overwritten.
  - Each managed setting reports C(before), C(after), whether it changed and
    whether Windows applies it only after a reboot; the task returns
    C(reboot_required). This module never reboots. Use
    M(ansible.windows.win_reboot) when C(reboot_required) is true.
  - Settings that are not given, and not set by O(profile), are left alone.
options:
  profile:
    description:
      - A set of values to start from. Options given explicitly override the
        profile's value for that option (O(dynamic_port_range) as a whole).
      - C(none) changes nothing by itself.
      - C(high_concurrency_server) widens the dynamic port range of TCP and UDP,
        IPv4 and IPv6, to 16384-65535 (49152 ports, three times the default
        49152-65535; KB 929851 for the limits), shortens C(TcpTimedWaitDelay)
        to 30 seconds (the value Microsoft's BizTalk Server network tuning guide
        recommends), and asserts the Windows defaults C(receive_side_scaling=enabled)
        and C(autotuning_level=normal) so drift shows. Ports below 16384, where
        servers usually listen (WinRM 5985/5986, 8080, 8443), stay out of the
        ephemeral pool; reserve listening ports inside the range with
        C(netsh int ipv4 add excludedportrange).
    type: str
    default: none
    choices: [none, high_concurrency_server]
  dynamic_port_range:
    description:
      - The dynamic port range, as C(netsh int ipv4|ipv6 set dynamicport tcp|udp
        start=N num=M). It replaces C(MaxUserPort) since Windows Server 2008.
      - Applies at once to new connections; no reboot.
    type: dict
    suboptions:
      start:
        description:
          - First port of the range; 1025 or more.
        type: int
        required: true
      count:
        description:
          - Number of ports; at least 255, and C(start + count - 1) must not pass 65535.
        type: int
        required: true
      protocols:
        description: The transports to set.
        type: list
        elements: str
        default: [tcp, udp]
        choices: [tcp, udp]
      families:
        description: The IP versions to set.
        type: list
        elements: str
        default: [ipv4, ipv6]
        choices: [ipv4, ipv6]
  tcp_timed_wait_delay:
    description:
      - Seconds a closed connection stays in TIME_WAIT before its port can be reused
        (C(HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters\TcpTimedWaitDelay)).
      - 30 to 300. Windows Server 2012 R2 and later accept down to 2, but the module
        keeps the 30 second floor documented for earlier releases. When the value is
        absent Windows uses 120.
      - Applies after a reboot.
    type: int
  autotuning_level:
    description:
      - Receive window auto-tuning level (C(Set-NetTCPSetting -AutoTuningLevelLocal)),
        written to the Internet, InternetCustom, Datacenter and DatacenterCustom templates.
      - Applies at once.
    type: str
    choices: [disabled, highlyrestricted, restricted, normal, experimental]
  congestion_provider:
    description:
      - TCP congestion control (C(Set-NetTCPSetting -CongestionProvider)), written to the
        same four templates. Applies at once.
      - C(ctcp) and C(dctcp) exist on every supported release. C(cubic) needs Server 2019
        (build 17763) or later (it came with Windows 10 1703 and is the default from
        Server 2019). C(bbr2) needs Server 2025 (build 26100) and gets a warning, as
        problems with loopback connections have been reported on that build.
    type: str
    choices: [ctcp, dctcp, cubic, bbr2]
  ecn_capability:
    description:
      - Explicit Congestion Notification (C(Set-NetTCPSetting -EcnCapability)). Applies at once.
    type: str
    choices: [enabled, disabled]
  timestamps:
    description:
      - RFC 1323 timestamps (C(Set-NetTCPSetting -Timestamps)). Applies at once.
    type: str
    choices: [enabled, disabled]
  initial_congestion_window:
    description:
      - Initial congestion window in segments (C(Set-NetTCPSetting -InitialCongestionWindowMss)),
        an even number from 2 to 64. Windows uses 10 since Server 2016. Applies at once.
    type: int
  receive_side_scaling:
    description:
      - Receive Side Scaling, which spreads receive processing over processor cores
        (C(Set-NetOffloadGlobalSetting -ReceiveSideScaling), the same setting as
        C(netsh int tcp set global rss)). Default C(enabled). Applies at once.
    type: str
    choices: [enabled, disabled]
  receive_segment_coalescing:
    description:
      - Receive Segment Coalescing (C(Set-NetOffloadGlobalSetting -ReceiveSegmentCoalescing)).
        Default C(enabled). Applies at once.
    type: str
    choices: [enabled, disabled]
  win32_priority_separation:
    description:
      - C(HKLM\SYSTEM\CurrentControlSet\Control\PriorityControl\Win32PrioritySeparation),
        a 6-bit C(AABBCC) mask from 0 to 63 (0x3F). C(AA) is the quantum length (01 long,
        10 short, 00/11 the product's default), C(BB) the quantum type (01 variable,
        10 fixed, 00/11 the default), C(CC) the foreground boost (00 none, 01 2:1,
        10/11 3:1), which stretches only variable quanta. On Windows Server the
        defaults are long and fixed.
      - The registry default is 0x2. 0x26 (38, short variable quanta, 3:1 boost) is the
        client "Programs" profile of System Properties; 0x18 (24, long fixed quanta, no
        boost) is the server "Background services" profile. The result decodes the value.
      - Applies after a reboot.
    type: int
  ntfs_disable_last_access:
    description:
      - C(HKLM\SYSTEM\CurrentControlSet\Control\FileSystem\NtfsDisableLastAccessUpdate),
        as C(fsutil behavior set disablelastaccess). 0 user managed, updates on;
        1 user managed, updates off; 2 system managed, updates on (Windows turns them
        off at boot when the system volume is larger than 128 GiB); 3 system managed,
        updates off.
      - 2 and 3 need build 17134 (Windows 10 1803) or later, so Server 2019 and later;
        there the value is stored as C(0x80000000) plus the setting. Server 2016 takes
        only 0 and 1, stored as is.
      - Applies after a reboot.
    type: int
  disable_task_offload:
    description:
      - C(HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters\DisableTaskOffload).
        C(true) turns off every TCP/IP task offload (checksum, large send, IPsec) of every
        adapter, which Microsoft documents as a driver debugging aid; it needs
        O(acknowledge_task_offload_risk) and always warns. C(false) writes 0 (offloads on).
      - Applies after a reboot.
    type: bool
  acknowledge_task_offload_risk:
    description:
      - Must be C(true) to set O(disable_task_offload=true).
    type: bool
    default: false
  max_user_port:
    description:
      - Refused. C(MaxUserPort) bounded the Windows Server 2003 ephemeral range; since
        Windows Server 2008 use O(dynamic_port_range).
    type: raw
  tcp_num_connections:
    description:
      - Refused. C(TcpNumConnections) is documented only for the Windows XP/Server 2003
        stack, where its default is already the maximum; use O(dynamic_port_range).
    type: raw
  io_page_lock_limit:
    description:
      - Refused. C(IoPageLockLimit) is a Windows 2000 memory manager setting that later
        releases ignore.
    type: raw
  large_page_minimum:
    description:
      - Refused. C(LargePageMinimum) is not a Windows Server 2016+ setting; large pages are
        requested by the program (C(SeLockMemoryPrivilege) and C(MEM_LARGE_PAGES)).
    type: raw
  enable_numa:
    description:
      - Refused. Windows has no C(EnableNuma) setting; NUMA is a firmware setting and
        Windows schedules NUMA-aware by itself.
    type: raw
attributes:
  check_mode:
    support: full
    description: Reads the host once and reports what would change; writes nothing.
  diff_mode:
    support: full
    description: The diff lists the changed settings, before and after (registry values as numbers).
  platform:
    support: full
    platforms: windows
    description: Windows Server 2016, 2019, 2022 and 2025.
notes:
  - Sources. Dynamic port range limits and syntax - Microsoft KB 929851 "The default dynamic
    port range for TCP/IP has changed since Windows Vista" and "Troubleshoot port
    exhaustion issues". TcpTimedWaitDelay range, default and the value 30 - Microsoft
    BizTalk Server "Settings that can be Modified to Improve Network Performance" and
    KB 314053. TCP template and offload values - the C(Set-NetTCPSetting) and
    C(Set-NetOffloadGlobalSetting) references; CUBIC - Microsoft's Windows Server 2019
    networking announcements. Win32PrioritySeparation - Windows 2000 Registry Reference
    and KB 259025. NtfsDisableLastAccessUpdate - C(fsutil behavior) reference.
    DisableTaskOffload - "Using Registry Values to Enable and Disable Task Offloading".
  - The dynamic port ranges and the TCP settings take effect at once; the registry values
    take effect after a reboot, which is reported, never done.
  - Within one batch every write is compare-and-set against the value read in the first
    round trip.
seealso:
  - module: ansible.windows.win_reboot
  - name: Agent protocol
    description: The primitive operations this module runs (net.get, net.set, reg.get, reg.set).
    link: https://github.com/winops/golang/blob/main/docs/agent-protocol.md
author:
  - winops.golang maintainers (@winops)
"""

EXAMPLES = r"""
- name: Tune a host for a Go server with many short connections
  winops.golang.win_tcp_tuning:
    profile: high_concurrency_server
  register: tuning

- name: Reboot when a setting needs it
  ansible.windows.win_reboot:
  when: tuning.reboot_required

- name: Profile, with a narrower port range and CUBIC
  winops.golang.win_tcp_tuning:
    profile: high_concurrency_server
    dynamic_port_range:
      start: 32768
      count: 32768
      protocols: [tcp]
    congestion_provider: cubic

- name: Server scheduling profile and no last-access updates
  winops.golang.win_tcp_tuning:
    win32_priority_separation: 0x18
    ntfs_disable_last_access: 1

- name: Report the current settings without changing anything
  winops.golang.win_tcp_tuning:
  register: current_tuning
"""

RETURN = r"""
reboot_required:
  description: Whether a setting that changed applies only after a reboot.
  returned: always
  type: bool
  sample: true
settings:
  description:
    - The managed settings, by name (C(dynamic_port_range.tcp.ipv4) and the option names).
    - Registry values are decoded; C(value) is the stored number or null when absent.
  returned: always
  type: dict
  sample:
    dynamic_port_range.tcp.ipv4:
      before: {start: 49152, count: 16384}
      after: {start: 16384, count: 49152}
      changed: true
      reboot_required: false
      applies: at once
    tcp_timed_wait_delay:
      before: {value: null, seconds: 120, set: false}
      after: {value: 30, seconds: 30, set: true}
      changed: true
      reboot_required: true
      applies: after a reboot
current:
  description:
    - Every setting the module knows, as it is on the host after the task (what it would
      be, in check mode), decoded like RV(settings).
  returned: always
  type: dict
  sample:
    congestion_provider: cubic
    win32_priority_separation:
      value: 2
      hex: "0x2"
      set: true
      valid: true
      quantum_length: default
      quantum_type: default
      foreground_boost: "3:1"
      effective_quantum_length: long
      effective_quantum_type: fixed
      profile: null
      meaning: long fixed quanta, foreground boost 3:1 (no effect with fixed quanta)
    ntfs_disable_last_access:
      value: 2147483650
      hex: "0x80000002"
      set: true
      setting: 2
      format: new
      mode: system
      updates_enabled: true
      meaning: system managed, last-access updates enabled (Windows disables them at boot when the system volume is larger than 128 GiB)
os_build:
  description: The host's Windows build number.
  returned: always
  type: int
  sample: 20348
os_release:
  description: The Windows Server release of that build, or null for an unknown build.
  returned: always
  type: str
  sample: "2022"
"""
