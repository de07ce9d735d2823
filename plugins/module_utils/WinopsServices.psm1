# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Service ops of the winops agent: service.get, service.set and service.control
# (docs/agent-protocol.md). Windows PowerShell 5.1 syntax only.
#
# The configuration is read from Win32_Service (CIM), which reports what the Service
# Control Manager holds, plus the service key's DelayedAutostart value (Win32_Service
# shows a delayed service as plain Auto). The start mode is written with sc.exe, the
# one tool of Windows PowerShell 5.1 that reaches ChangeServiceConfig2's delayed
# auto-start flag (Set-Service -StartupType has no delayed value before PowerShell 6);
# its exit code is checked and the mode is read back.

#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsCommon
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsRegistry

$ErrorActionPreference = 'Stop'

$script:ServicesKey = 'HKLM:\SYSTEM\CurrentControlSet\Services'
$script:StartModes = @('auto', 'delayed', 'manual', 'disabled')
# start mode -> sc.exe config start= value.
$script:ScStart = @{ auto = 'auto'; delayed = 'delayed-auto'; manual = 'demand'; disabled = 'disabled' }
$script:DisabledText = "Service '{0}' cannot be started: The service cannot be started, either because it is disabled or because it has no enabled devices associated with it. (1058)"
$script:MissingText = "Service '{0}' was not found: The specified service does not exist as an installed service. (1060)"

function Get-WinopsServiceName {
    <#
    .SYNOPSIS
    Read and check the 'name' argument (no path separators, at most 256 characters).
    #>
    param([Parameter(Mandatory = $true)][hashtable]$Arguments, [Parameter(Mandatory = $true)][string]$Op)
    $name = Get-WinopsArg -Arguments $Arguments -Name 'name' -Required
    if ($name -eq '' -or $name.Contains('\') -or $name.Contains('/') -or $name.Length -gt 256) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("{0}: '{1}' is not a service name" -f $Op, $name))
    }
    return $name
}

function Get-WinopsServiceInstance {
    <#
    .SYNOPSIS
    The Win32_Service instance of a service (by service name, case-insensitive), or $null.
    #>
    param([Parameter(Mandatory = $true)][string]$Name)
    $escaped = $Name.Replace('\', '\\').Replace("'", "\'")
    $found = @(Get-CimInstance -ClassName 'Win32_Service' -Filter ("Name='{0}'" -f $escaped) -ErrorAction Stop)
    if ($found.Count -eq 0) {
        return $null
    }
    return $found[0]
}

function Get-WinopsDelayedFlag {
    <#
    .SYNOPSIS
    Whether a service's key has DelayedAutostart set to a non-zero number.
    #>
    param([Parameter(Mandatory = $true)][string]$Name)
    $key = Open-WinopsRegistryKey -Path ('{0}\{1}' -f $script:ServicesKey, $Name)
    if ($null -eq $key) {
        return $false
    }
    try {
        $found = Get-WinopsRegistryValueOrNull -Key $key -Name 'DelayedAutostart'
    }
    finally {
        $key.Dispose()
    }
    if ($null -eq $found) {
        return $false
    }
    return ([long]$found.data.value -ne 0)
}

function Get-WinopsStartMode {
    <#
    .SYNOPSIS
    The protocol's start mode of a Win32_Service instance: auto, delayed, manual, disabled (boot, system for drivers).
    #>
    param([Parameter(Mandatory = $true)]$Instance)
    $mode = ([string]$Instance.StartMode).ToLowerInvariant()
    if ($mode -eq 'auto' -and (Get-WinopsDelayedFlag -Name ([string]$Instance.Name))) {
        return 'delayed'
    }
    return $mode
}

function ConvertTo-WinopsServiceState {
    <#
    .SYNOPSIS
    Win32_Service's State ('Running', 'Start Pending', ...) as running, start_pending, ...
    #>
    param([string]$State)
    return $State.ToLowerInvariant().Replace(' ', '_')
}

function Get-WinopsServiceDescription {
    <#
    .SYNOPSIS
    The service.get document of an existing service.
    #>
    param([Parameter(Mandatory = $true)]$Instance)
    return [ordered]@{
        exists = $true
        name = [string]$Instance.Name
        display_name = [string]$Instance.DisplayName
        start_mode = Get-WinopsStartMode -Instance $Instance
        state = ConvertTo-WinopsServiceState -State ([string]$Instance.State)
        account = [string]$Instance.StartName
        path = [string]$Instance.PathName
    }
}

function Get-WinopsRequiredService {
    <#
    .SYNOPSIS
    The Win32_Service instance of a service the op changes; not_found (1060) when missing.
    #>
    param([Parameter(Mandatory = $true)][string]$Name, [Parameter(Mandatory = $true)][string]$Op)
    $instance = Get-WinopsServiceInstance -Name $Name
    if ($null -eq $instance) {
        throw (New-WinopsError -Code 'not_found' -Message ('{0}: {1}' -f $Op, ($script:MissingText -f $Name)))
    }
    return $instance
}

function Get-WinopsService {
    <#
    .SYNOPSIS
    service.get: a service's name, display name, start mode, state, account and path.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('name')
    $name = Get-WinopsServiceName -Arguments $Arguments -Op 'service.get'
    $instance = Get-WinopsServiceInstance -Name $name
    if ($null -eq $instance) {
        return @{ changed = $false; exists = $false; name = $name }
    }
    $result = Get-WinopsServiceDescription -Instance $instance
    $result['changed'] = $false
    return $result
}

function Set-WinopsServiceStartMode {
    <#
    .SYNOPSIS
    Write a start mode through sc.exe config (exit code checked) and read it back.
    #>
    param([Parameter(Mandatory = $true)][string]$Name, [Parameter(Mandatory = $true)][string]$Mode)
    $sc = Join-Path -Path ([System.Environment]::SystemDirectory) -ChildPath 'sc.exe'
    $line = 'config "{0}" start= {1}' -f $Name, $script:ScStart[$Mode]
    $run = Invoke-WinopsProcess -FilePath $sc -ArgumentLine $line -TimeoutSeconds 60
    if ($run.rc -ne 0) {
        $said = (([string]$run.stdout) + ' ' + ([string]$run.stderr)).Trim()
        $code = 'error'
        if ($run.rc -eq 5) {
            $code = 'access_denied'
        }
        elseif ($run.rc -eq 1060) {
            $code = 'not_found'
        }
        throw (New-WinopsError -Code $code -Message ('sc.exe {0} failed with exit code {1}: {2}' -f $line, $run.rc, $said))
    }
    $now = Get-WinopsStartMode -Instance (Get-WinopsRequiredService -Name $Name -Op 'service.set')
    if ($now -ne $Mode) {
        throw (New-WinopsError -Code 'error' -Message ("sc.exe reported success but service '{0}' starts '{1}', not '{2}'" -f $Name, $now, $Mode))
    }
}

function Set-WinopsService {
    <#
    .SYNOPSIS
    service.set: compare-and-set a service's configuration (for now its start mode).
    .DESCRIPTION
    Settings that are not given are left alone, so later settings (account,
    dependencies, recovery) are new optional arguments.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('name', 'start_mode')
    $name = Get-WinopsServiceName -Arguments $Arguments -Op 'service.set'
    $mode = Get-WinopsArg -Arguments $Arguments -Name 'start_mode'
    if ($null -ne $mode -and $script:StartModes -cnotcontains $mode) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("service.set: 'start_mode' must be one of {0}" -f ($script:StartModes -join ', ')))
    }
    $instance = Get-WinopsRequiredService -Name $name -Op 'service.set'
    $before = [ordered]@{ start_mode = Get-WinopsStartMode -Instance $instance }
    $after = [ordered]@{ start_mode = $before.start_mode }
    if ($null -ne $mode) {
        $after.start_mode = $mode
    }
    $changed = ($before.start_mode -ne $after.start_mode)
    if ($changed -and -not $CheckMode) {
        Set-WinopsServiceStartMode -Name ([string]$instance.Name) -Mode $after.start_mode
    }
    return @{ changed = $changed; before = $before; after = $after }
}

function Invoke-WinopsServiceControl {
    <#
    .SYNOPSIS
    service.control: start or stop a service; a disabled service cannot be started (1058).
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('name', 'state')
    $name = Get-WinopsServiceName -Arguments $Arguments -Op 'service.control'
    $wanted = Get-WinopsArg -Arguments $Arguments -Name 'state' -Required
    if (@('started', 'stopped') -cnotcontains $wanted) {
        throw (New-WinopsError -Code 'invalid_argument' -Message "service.control: 'state' must be one of started, stopped")
    }
    $instance = Get-WinopsRequiredService -Name $name -Op 'service.control'
    $before = ConvertTo-WinopsServiceState -State ([string]$instance.State)
    $after = 'stopped'
    if ($wanted -eq 'started') {
        $after = 'running'
    }
    $changed = ($before -ne $after)
    if ($changed -and $after -eq 'running' -and ([string]$instance.StartMode) -eq 'Disabled') {
        throw (New-WinopsError -Code 'error' -Message ('service.control: {0}' -f ($script:DisabledText -f $name)))
    }
    if ($changed -and -not $CheckMode) {
        $serviceName = [string]$instance.Name
        if ($after -eq 'running') {
            Start-Service -Name $serviceName -ErrorAction Stop
        }
        else {
            Stop-Service -Name $serviceName -ErrorAction Stop
        }
        $now = Get-WinopsRequiredService -Name $serviceName -Op 'service.control'
        $after = ConvertTo-WinopsServiceState -State ([string]$now.State)
    }
    return @{ changed = $changed; before = $before; after = $after }
}

Export-ModuleMember -Function @(
    'Get-WinopsService',
    'Set-WinopsService',
    'Invoke-WinopsServiceControl'
)
