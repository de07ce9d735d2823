# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# System ops of the winops agent: facts.get and exec. Windows PowerShell 5.1 syntax only.

#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsCommon
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsRegistry

$ErrorActionPreference = 'Stop'

$script:CurrentVersionKey = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$script:MachineEnvKey = 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
# The three places Windows records that a reboot is pending, and the reason each gives.
$script:RebootKeys = [ordered]@{
    ComponentBasedServicing = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'
    WindowsUpdate = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'
}
$script:SessionManagerKey = 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager'

function Get-WinopsRegistryData {
    <#
    .SYNOPSIS
    The value of one registry value (JSON form), or $null when the key or value is missing.
    #>
    param([Parameter(Mandatory = $true)][string]$Path, [Parameter(Mandatory = $true)][string]$Name)
    $key = Open-WinopsRegistryKey -Path $Path
    if ($null -eq $key) {
        return $null
    }
    try {
        $found = Get-WinopsRegistryValueOrNull -Key $key -Name $Name
    }
    finally {
        $key.Dispose()
    }
    if ($null -eq $found) {
        return $null
    }
    return $found.data.value
}

function Test-WinopsRegistryKey {
    <#
    .SYNOPSIS
    Whether a registry key exists.
    #>
    param([Parameter(Mandatory = $true)][string]$Path)
    $key = Open-WinopsRegistryKey -Path $Path
    if ($null -eq $key) {
        return $false
    }
    $key.Dispose()
    return $true
}

function Get-WinopsRebootPending {
    <#
    .SYNOPSIS
    Whether Windows waits for a reboot, with the reasons in a fixed order:
    ComponentBasedServicing, WindowsUpdate, PendingFileRenameOperations.
    #>
    $reasons = New-Object -TypeName 'System.Collections.Generic.List[string]'
    foreach ($reason in $script:RebootKeys.Keys) {
        if (Test-WinopsRegistryKey -Path $script:RebootKeys[$reason]) {
            $reasons.Add($reason)
        }
    }
    $renames = Get-WinopsRegistryData -Path $script:SessionManagerKey -Name 'PendingFileRenameOperations'
    $pendingRename = $false
    foreach ($line in @($renames)) {
        if (-not [string]::IsNullOrEmpty([string]$line)) {
            $pendingRename = $true
        }
    }
    if ($pendingRename) {
        $reasons.Add('PendingFileRenameOperations')
    }
    return @{ pending = ($reasons.Count -gt 0); reasons = $reasons.ToArray() }
}

function Get-WinopsMachineArchitecture {
    <#
    .SYNOPSIS
    The machine's processor architecture (AMD64, ARM64, x86), not the agent process's.
    #>
    $value = Get-WinopsRegistryData -Path $script:MachineEnvKey -Name 'PROCESSOR_ARCHITECTURE'
    if ([string]::IsNullOrEmpty($value)) {
        # A 32-bit process on a 64-bit OS sees the machine's value in PROCESSOR_ARCHITEW6432.
        $value = [System.Environment]::GetEnvironmentVariable('PROCESSOR_ARCHITEW6432')
    }
    if ([string]::IsNullOrEmpty($value)) {
        $value = [System.Environment]::GetEnvironmentVariable('PROCESSOR_ARCHITECTURE')
    }
    if ($value -eq 'x86') {
        return 'x86'
    }
    return ([string]$value).ToUpperInvariant()
}

function ConvertTo-WinopsIntOrNull {
    <#
    .SYNOPSIS
    An integer from registry or WMI text, or $null.
    #>
    param($Value)
    $number = [long]0
    if ($null -ne $Value -and [long]::TryParse([string]$Value, [ref]$number)) {
        return $number
    }
    return $null
}

function Get-WinopsFacts {
    <#
    .SYNOPSIS
    facts.get: operating system, PowerShell, architecture, pending reboot, host, user, dirs.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @()
    $os = Get-CimInstance -ClassName 'Win32_OperatingSystem' -Property 'Caption', 'Version', 'BuildNumber'
    $computer = Get-CimInstance -ClassName 'Win32_ComputerSystem' -Property 'Domain', 'PartOfDomain'

    $key = Open-WinopsRegistryKey -Path $script:CurrentVersionKey
    $current = @{}
    try {
        foreach ($name in @('EditionID', 'DisplayVersion', 'ReleaseId', 'InstallationType', 'UBR', 'CurrentBuildNumber')) {
            $found = Get-WinopsRegistryValueOrNull -Key $key -Name $name
            $current[$name] = $null
            if ($null -ne $found) {
                $current[$name] = $found.data.value
            }
        }
    }
    finally {
        if ($null -ne $key) {
            $key.Dispose()
        }
    }
    # Server 2016 and 2019 have only ReleaseId (1607, 1809); later releases have DisplayVersion.
    $displayVersion = $current['DisplayVersion']
    if ([string]::IsNullOrEmpty($displayVersion)) {
        $displayVersion = $current['ReleaseId']
    }
    $build = ConvertTo-WinopsIntOrNull -Value $os.BuildNumber
    if ($null -eq $build) {
        $build = ConvertTo-WinopsIntOrNull -Value $current['CurrentBuildNumber']
    }
    $ubr = $null
    if ($null -ne $current['UBR']) {
        $ubr = [long]$current['UBR']
    }

    # ProgramFiles is the x86 folder in a 32-bit process; ProgramW6432 is the native one.
    $programFiles = [System.Environment]::GetEnvironmentVariable('ProgramW6432')
    if ([string]::IsNullOrEmpty($programFiles)) {
        $programFiles = [System.Environment]::GetFolderPath('ProgramFiles')
    }
    $temp = [System.IO.Path]::GetTempPath()
    if ($temp.Length -gt 3) {
        $temp = $temp.TrimEnd('\')
    }

    return @{
        changed = $false
        os = [ordered]@{
            caption = [string]$os.Caption
            version = [string]$os.Version
            build = $build
            ubr = $ubr
            edition = $current['EditionID']
            display_version = $displayVersion
            installation_type = $current['InstallationType']
        }
        powershell_version = $PSVersionTable.PSVersion.ToString()
        architecture = Get-WinopsMachineArchitecture
        reboot_pending = Get-WinopsRebootPending
        hostname = [System.Environment]::MachineName
        domain = [string]$computer.Domain
        domain_joined = [bool]$computer.PartOfDomain
        user = [ordered]@{
            name = [System.Environment]::UserName
            domain = [System.Environment]::UserDomainName
            profile = [System.Environment]::GetFolderPath('UserProfile')
            appdata = [System.Environment]::GetFolderPath('ApplicationData')
            localappdata = [System.Environment]::GetFolderPath('LocalApplicationData')
        }
        dirs = [ordered]@{
            program_files = $programFiles
            program_data = [System.Environment]::GetFolderPath('CommonApplicationData')
            system_root = [System.Environment]::GetFolderPath('Windows')
            temp = $temp
        }
    }
}

function Invoke-WinopsExec {
    <#
    .SYNOPSIS
    exec: run a program with an already-quoted command line; return rc, stdout, stderr.
    .DESCRIPTION
    In check mode only read_only programs run; others report changed and run nothing.
    A non-zero rc is a result, not a failure, unless expect_rc names another code: then
    the op fails with 'error' and the end of the output, so later ops of the batch do not
    run. Past the timeout the program is killed and the op fails with 'timeout'.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('executable', 'arguments', 'cwd', 'env', 'timeout', 'read_only', 'expect_rc')
    $executable = Get-WinopsArg -Arguments $Arguments -Name 'executable' -Required
    if ($executable.Contains('\') -or $executable.Contains('/')) {
        $executable = Resolve-WinopsPath -Path $executable -What 'executable'
    }
    elseif ($executable -eq '' -or $executable.IndexOfAny([System.IO.Path]::GetInvalidFileNameChars()) -ge 0) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("'{0}' is not a program name or path" -f $executable))
    }
    $argumentLine = Get-WinopsArg -Arguments $Arguments -Name 'arguments' -Default ''
    $cwd = Get-WinopsArg -Arguments $Arguments -Name 'cwd'
    if ($null -eq $cwd) {
        # Not the agent's own directory, which differs between WinRM, PSRP and SSH.
        $cwd = [System.Environment]::GetFolderPath('UserProfile')
    }
    else {
        $cwd = Resolve-WinopsPath -Path $cwd -What 'cwd'
        if (-not [System.IO.Directory]::Exists($cwd)) {
            throw (New-WinopsError -Code 'not_found' -Message ("cwd '{0}' does not exist" -f $cwd))
        }
    }
    $environment = Get-WinopsArg -Arguments $Arguments -Name 'env' -Type 'dict'
    if ($null -ne $environment) {
        foreach ($key in $environment.Keys) {
            $envValue = $environment[$key]
            if ([string]::IsNullOrEmpty([string]$key) -or ([string]$key).Contains('=') -or ($null -ne $envValue -and $envValue -isnot [string])) {
                throw (New-WinopsError -Code 'invalid_argument' -Message "argument 'env' must map variable names to strings")
            }
        }
    }
    $timeout = Get-WinopsArg -Arguments $Arguments -Name 'timeout' -Type 'number' -Default 120
    if ($timeout -le 0) {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'timeout must be a positive number of seconds')
    }
    $readOnly = Get-WinopsArg -Arguments $Arguments -Name 'read_only' -Type 'bool' -Default $false
    $expectRc = Get-WinopsArg -Arguments $Arguments -Name 'expect_rc' -Type 'int'
    if ($CheckMode -and -not $readOnly) {
        if ([System.IO.Path]::IsPathRooted($executable) -and -not [System.IO.File]::Exists($executable)) {
            throw (New-WinopsError -Code 'not_found' -Message ("The system cannot find the file specified: '{0}'" -f $executable))
        }
        return @{ changed = $true; rc = $null; stdout = ''; stderr = '' }
    }
    $run = Invoke-WinopsProcess -FilePath $executable -ArgumentLine $argumentLine -WorkingDirectory $cwd -Environment $environment -TimeoutSeconds $timeout
    if ($null -ne $expectRc -and $run.rc -ne $expectRc) {
        $output = ([string]$run.stdout + [string]$run.stderr)
        if ($output.Length -gt 2000) {
            $output = $output.Substring($output.Length - 2000)
        }
        throw (New-WinopsError -Code 'error' -Message ("'{0}' exited with code {1}, not {2}: {3}" -f $executable, $run.rc, $expectRc, $output.Trim()))
    }
    return @{ changed = (-not $readOnly); rc = $run.rc; stdout = $run.stdout; stderr = $run.stderr }
}

Export-ModuleMember -Function @(
    'Get-WinopsFacts',
    'Invoke-WinopsExec'
)
