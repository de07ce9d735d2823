# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Service ops of the winops agent: service.get, service.create, service.set,
# service.control and service.remove (docs/agent-protocol.md). Windows PowerShell
# 5.1 syntax only.
#
# The configuration is read from Win32_Service (CIM), which reports what the Service
# Control Manager holds, plus the service key's DelayedAutostart, DependOnService and
# failure-action values (Win32_Service shows a delayed service as plain Auto and has
# no recovery settings).
#
# Writes:
# - create and change go through the Win32_Service CIM methods Create and Change
#   (PathName, DisplayName, StartName, StartPassword, ServiceDependencies), so a
#   password travels inside WMI and never on a command line; ReturnValue is checked
#   and translated;
# - the start mode with sc.exe config start= (the one tool of Windows PowerShell 5.1
#   that reaches the delayed auto-start flag; Set-Service -StartupType has no delayed
#   value before PowerShell 6), and clearing all dependencies with
#   sc.exe config depend= / (exit codes checked, modes read back);
# - the description with Set-Service -Description;
# - recovery with ChangeServiceConfig2 (SERVICE_CONFIG_FAILURE_ACTIONS and
#   SERVICE_CONFIG_FAILURE_ACTIONS_FLAG) through a small Add-Type class, not
#   sc.exe failure: sc.exe has no way to write a 'none' action between others and
#   its command= value would need a second layer of quoting. A reboot action needs
#   SeShutdownPrivilege enabled while it is written;
# - start and stop through System.ServiceProcess.ServiceController with
#   WaitForStatus(timeout) (Stop stops running dependent services first), delete
#   with Win32_Service.Delete once the service is stopped.

#AnsibleRequires -CSharpUtil Ansible.Privilege
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

$script:ExistsText = "Service '{0}' cannot be created: The specified service already exists. (1073)"
$script:DuplicateText = "{0}: '{1}': The name is already in use as either a service name or a service display name. (1078)"
$script:AccountText = '{0}: account ''{1}'': The account name is invalid or does not exist, or the password is invalid for the account name specified. (1057)'
$script:CimStart = @{ auto = 'Automatic'; delayed = 'Automatic'; manual = 'Manual'; disabled = 'Disabled' }
# Win32_Service method return values: [code, text].
$script:CimReturn = @{
    1 = @('error', 'The request is not supported.')
    2 = @('access_denied', 'The user did not have the necessary access.')
    3 = @('error', 'The service cannot be stopped because other services that are running are dependent on it.')
    4 = @('error', 'The requested control code is not valid, or it is unacceptable to the service.')
    5 = @('error', 'The requested control code cannot be sent to the service.')
    6 = @('error', 'The service has not been started.')
    7 = @('timeout', 'The service did not respond to the start request in a timely fashion.')
    8 = @('error', 'Unknown failure when starting the service.')
    9 = @('not_found', 'The directory path to the service executable file was not found.')
    10 = @('error', 'The service is already running.')
    11 = @('error', 'The database to add a new service is locked.')
    12 = @('not_found', 'A dependency this service relies on has been removed from the system.')
    13 = @('error', 'The service failed to find the service needed from a dependent service.')
    14 = @('error', 'The service has been disabled from the system.')
    15 = @('error', 'The service does not have the correct authentication to run on the system.')
    16 = @('error', 'This service is being removed from the system.')
    17 = @('error', 'The service has no execution thread.')
    18 = @('invalid_argument', 'The service has circular dependencies when it starts.')
    19 = @('exists', 'A service is running under the same name.')
    20 = @('invalid_argument', 'The service name has invalid characters.')
    21 = @('invalid_argument', 'Invalid parameters have been passed to the service.')
    22 = @('not_found', 'The account under which this service runs is either invalid or lacks the permissions to run the service.')
    23 = @('exists', 'The service exists in the database of services available from the system.')
    24 = @('error', 'The service is currently paused in the system.')
}
# Spellings of the built-in accounts (keys are compared case-insensitively).
$script:AccountAliases = @{
    'localsystem' = 'LocalSystem'; 'local system' = 'LocalSystem'; 'system' = 'LocalSystem'
    'nt authority\system' = 'LocalSystem'; '.\localsystem' = 'LocalSystem'; 'nt authority\localsystem' = 'LocalSystem'
    'localservice' = 'NT AUTHORITY\LocalService'; 'local service' = 'NT AUTHORITY\LocalService'
    'nt authority\localservice' = 'NT AUTHORITY\LocalService'; 'nt authority\local service' = 'NT AUTHORITY\LocalService'
    'networkservice' = 'NT AUTHORITY\NetworkService'; 'network service' = 'NT AUTHORITY\NetworkService'
    'nt authority\networkservice' = 'NT AUTHORITY\NetworkService'; 'nt authority\network service' = 'NT AUTHORITY\NetworkService'
}
$script:ActionTypes = @('none', 'restart', 'reboot', 'run_command')
$script:DefaultReset = 86400
$script:MaxActions = 3

$script:RecoverySource = @'
using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace WinopsGolang
{
    public static class ServiceRecovery
    {
        [StructLayout(LayoutKind.Sequential)]
        private struct SC_ACTION
        {
            public int Type;
            public uint Delay;
        }

        [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
        private struct SERVICE_FAILURE_ACTIONSW
        {
            public uint dwResetPeriod;
            public string lpRebootMsg;
            public string lpCommand;
            public uint cActions;
            public IntPtr lpsaActions;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct SERVICE_FAILURE_ACTIONS_FLAG
        {
            public int fFailureActionsOnNonCrashFailures;
        }

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "OpenSCManagerW")]
        private static extern IntPtr OpenSCManager(string machine, string database, uint access);

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "OpenServiceW")]
        private static extern IntPtr OpenService(IntPtr manager, string name, uint access);

        [DllImport("advapi32.dll", SetLastError = true)]
        private static extern bool CloseServiceHandle(IntPtr handle);

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode, EntryPoint = "ChangeServiceConfig2W")]
        private static extern bool ChangeActions(IntPtr service, uint level, ref SERVICE_FAILURE_ACTIONSW info);

        [DllImport("advapi32.dll", SetLastError = true, EntryPoint = "ChangeServiceConfig2W")]
        private static extern bool ChangeFlag(IntPtr service, uint level, ref SERVICE_FAILURE_ACTIONS_FLAG info);

        // types: 0 none, 1 restart, 2 reboot, 3 run command. An empty string deletes
        // the command or reboot message; no actions delete the actions and reset period.
        public static void Set(string name, uint resetPeriod, int[] types, uint[] delays,
            string command, string rebootMessage, bool onNonCrash)
        {
            IntPtr manager = OpenSCManager(null, null, 0x0001);
            if (manager == IntPtr.Zero)
            {
                throw new Win32Exception(Marshal.GetLastWin32Error(), "OpenSCManager");
            }
            IntPtr service = IntPtr.Zero;
            IntPtr buffer = IntPtr.Zero;
            try
            {
                // SERVICE_QUERY_CONFIG | SERVICE_CHANGE_CONFIG | SERVICE_START (restart actions need it)
                service = OpenService(manager, name, 0x0001 | 0x0002 | 0x0010);
                if (service == IntPtr.Zero)
                {
                    throw new Win32Exception(Marshal.GetLastWin32Error());
                }
                int size = Marshal.SizeOf(typeof(SC_ACTION));
                buffer = Marshal.AllocHGlobal(size * Math.Max(1, types.Length));
                for (int i = 0; i < types.Length; i++)
                {
                    SC_ACTION action = new SC_ACTION();
                    action.Type = types[i];
                    action.Delay = delays[i];
                    Marshal.StructureToPtr(action, new IntPtr(buffer.ToInt64() + i * size), false);
                }
                SERVICE_FAILURE_ACTIONSW info = new SERVICE_FAILURE_ACTIONSW();
                info.dwResetPeriod = resetPeriod;
                info.lpRebootMsg = rebootMessage == null ? "" : rebootMessage;
                info.lpCommand = command == null ? "" : command;
                info.cActions = (uint)types.Length;
                info.lpsaActions = buffer;
                if (!ChangeActions(service, 2, ref info))
                {
                    throw new Win32Exception(Marshal.GetLastWin32Error());
                }
                SERVICE_FAILURE_ACTIONS_FLAG flag = new SERVICE_FAILURE_ACTIONS_FLAG();
                flag.fFailureActionsOnNonCrashFailures = onNonCrash ? 1 : 0;
                if (!ChangeFlag(service, 4, ref flag))
                {
                    throw new Win32Exception(Marshal.GetLastWin32Error());
                }
            }
            finally
            {
                if (buffer != IntPtr.Zero)
                {
                    Marshal.FreeHGlobal(buffer);
                }
                if (service != IntPtr.Zero)
                {
                    CloseServiceHandle(service);
                }
                CloseServiceHandle(manager);
            }
        }
    }
}
'@

function Get-WinopsServiceKeyValue {
    <#
    .SYNOPSIS
    The raw data of a value of a service's key (REG_MULTI_SZ as string[], REG_BINARY as byte[]), or $null.
    #>
    param([Parameter(Mandatory = $true)][string]$Name, [Parameter(Mandatory = $true)][string]$ValueName)
    $key = Open-WinopsRegistryKey -Path ('{0}\{1}' -f $script:ServicesKey, $Name)
    if ($null -eq $key) {
        return $null
    }
    try {
        return $key.GetValue($ValueName, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
    }
    finally {
        $key.Dispose()
    }
}

function Get-WinopsServiceDependency {
    <#
    .SYNOPSIS
    The services a service depends on, as its key's DependOnService lists them.
    #>
    param([Parameter(Mandatory = $true)][string]$Name)
    $raw = Get-WinopsServiceKeyValue -Name $Name -ValueName 'DependOnService'
    $out = New-Object -TypeName 'System.Collections.Generic.List[string]'
    foreach ($item in @($raw)) {
        if (-not [string]::IsNullOrEmpty([string]$item)) {
            $out.Add([string]$item)
        }
    }
    return , $out.ToArray()
}

function Get-WinopsServiceRecovery {
    <#
    .SYNOPSIS
    The structured failure actions of a service, from the values the SCM keeps in its key.
    #>
    param([Parameter(Mandatory = $true)][string]$Name)
    $reset = 0
    $actions = New-Object -TypeName 'System.Collections.Generic.List[object]'
    $blob = Get-WinopsServiceKeyValue -Name $Name -ValueName 'FailureActions'
    if ($blob -is [byte[]] -and $blob.Length -ge 20) {
        $count = [BitConverter]::ToUInt32($blob, 12)
        if ($blob.Length -eq (20 + 8 * [long]$count)) {
            $reset = [long][BitConverter]::ToUInt32($blob, 0)
            for ($i = 0; $i -lt $count; $i++) {
                $type = [BitConverter]::ToUInt32($blob, 20 + 8 * $i)
                $typeName = [string]$type
                if ($type -lt $script:ActionTypes.Count) {
                    $typeName = $script:ActionTypes[$type]
                }
                $actions.Add([ordered]@{ type = $typeName; delay_ms = [long][BitConverter]::ToUInt32($blob, 24 + 8 * $i) })
            }
        }
    }
    $command = Get-WinopsServiceKeyValue -Name $Name -ValueName 'FailureCommand'
    $message = Get-WinopsServiceKeyValue -Name $Name -ValueName 'RebootMessage'
    $flag = Get-WinopsServiceKeyValue -Name $Name -ValueName 'FailureActionsOnNonCrashFailures'
    if ([string]::IsNullOrEmpty([string]$command)) {
        $command = $null
    }
    if ([string]::IsNullOrEmpty([string]$message)) {
        $message = $null
    }
    return [ordered]@{
        reset_period = $reset
        actions = $actions.ToArray()
        command = $command
        reboot_message = $message
        failure_actions_on_non_crash = ($null -ne $flag -and [long]$flag -ne 0)
    }
}

function ConvertTo-WinopsRecoveryText {
    <#
    .SYNOPSIS
    A recovery string argument: trimmed, $null when empty; NUL is invalid.
    #>
    param($Value, [string]$What)
    if ($null -eq $Value) {
        return $null
    }
    if ($Value -isnot [string] -or $Value.Contains([string][char]0)) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ('service.set: {0} must be a string without NUL' -f $What))
    }
    $text = $Value.Trim()
    if ($text -eq '') {
        return $null
    }
    return $text
}

function ConvertTo-WinopsRecovery {
    <#
    .SYNOPSIS
    Validate the 'recovery' argument into the structured form (same rules as service_recovery.parse_recovery).
    #>
    param([Parameter(Mandatory = $true)]$Value)
    if ($Value -isnot [System.Collections.IDictionary]) {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'service.set: recovery must be a dictionary')
    }
    foreach ($key in $Value.Keys) {
        if (@('actions', 'reset_period', 'command', 'reboot_message', 'failure_actions_on_non_crash') -notcontains $key) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("service.set: recovery has an unknown key '{0}'" -f $key))
        }
    }
    $actions = New-Object -TypeName 'System.Collections.Generic.List[object]'
    foreach ($item in @($Value['actions'])) {
        if ($null -eq $item) {
            continue
        }
        if ($item -isnot [System.Collections.IDictionary]) {
            throw (New-WinopsError -Code 'invalid_argument' -Message 'service.set: each recovery action is a dictionary with type and delay_ms')
        }
        $type = ([string]$item['type']).Trim().ToLowerInvariant()
        if ($script:ActionTypes -cnotcontains $type) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("service.set: recovery action type must be one of {0}, not '{1}'" -f ($script:ActionTypes -join ', '), $item['type']))
        }
        $delay = 0
        if ($null -ne $item['delay_ms']) {
            $delay = [long]$item['delay_ms']
        }
        if ($delay -lt 0 -or $delay -gt [int]::MaxValue) {
            throw (New-WinopsError -Code 'invalid_argument' -Message 'service.set: recovery delay_ms must be between 0 and 2147483647')
        }
        $actions.Add([ordered]@{ type = $type; delay_ms = $delay })
    }
    if ($actions.Count -gt $script:MaxActions) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ('service.set: give at most {0} recovery actions' -f $script:MaxActions))
    }
    $reset = [long]$script:DefaultReset
    if ($null -ne $Value['reset_period']) {
        $reset = [long]$Value['reset_period']
    }
    if ($reset -lt 0 -or $reset -gt [uint32]::MaxValue) {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'service.set: recovery reset_period must be between 0 and 4294967295')
    }
    $types = @($actions | ForEach-Object { $_.type })
    $result = [ordered]@{
        reset_period = $reset
        actions = $actions.ToArray()
        command = ConvertTo-WinopsRecoveryText -Value $Value['command'] -What 'recovery.command'
        reboot_message = ConvertTo-WinopsRecoveryText -Value $Value['reboot_message'] -What 'recovery.reboot_message'
        failure_actions_on_non_crash = [bool]$Value['failure_actions_on_non_crash']
    }
    if ($types -contains 'run_command' -and $null -eq $result.command) {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'service.set: recovery.command is required by a run_command action')
    }
    if ($null -ne $result.command -and $types -notcontains 'run_command') {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'service.set: recovery.command is only used by a run_command action')
    }
    if ($null -ne $result.reboot_message -and $types -notcontains 'reboot') {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'service.set: recovery.reboot_message is only used by a reboot action')
    }
    return $result
}

function Test-WinopsRecoveryDiffers {
    <#
    .SYNOPSIS
    Whether the wanted recovery differs from the current one (service_recovery.compare rules).
    #>
    param([Parameter(Mandatory = $true)]$Wanted, [Parameter(Mandatory = $true)]$Current)
    $wantedActions = @($Wanted.actions | ForEach-Object { '{0}/{1}' -f $_.type, $_.delay_ms }) -join ','
    $currentActions = @($Current.actions | ForEach-Object { '{0}/{1}' -f $_.type, $_.delay_ms }) -join ','
    $types = @($Wanted.actions | ForEach-Object { $_.type })
    if ($wantedActions -cne $currentActions) {
        return $true
    }
    if ($types.Count -gt 0 -and [long]$Wanted.reset_period -ne [long]$Current.reset_period) {
        return $true
    }
    if ($types -contains 'run_command' -and [string]$Wanted.command -cne [string]$Current.command) {
        return $true
    }
    if ($types -contains 'reboot' -and [string]$Wanted.reboot_message -cne [string]$Current.reboot_message) {
        return $true
    }
    return ([bool]$Wanted.failure_actions_on_non_crash -ne [bool]$Current.failure_actions_on_non_crash)
}

function Set-WinopsServiceRecovery {
    <#
    .SYNOPSIS
    Write failure actions and the non-crash flag with ChangeServiceConfig2.
    #>
    param([Parameter(Mandatory = $true)][string]$Name, [Parameter(Mandatory = $true)]$Recovery)
    if ($null -eq ('WinopsGolang.ServiceRecovery' -as [type])) {
        Add-Type -TypeDefinition $script:RecoverySource -Language CSharp
    }
    $types = [int[]]@($Recovery.actions | ForEach-Object { [array]::IndexOf($script:ActionTypes, $_.type) })
    $delays = [uint32[]]@($Recovery.actions | ForEach-Object { [uint32]$_.delay_ms })
    $privileges = [string[]]@()
    if ($types -contains 2) {
        $privileges = [string[]]@('SeShutdownPrivilege')
    }
    $enabler = $null
    try {
        if ($privileges.Count -gt 0) {
            $enabler = New-Object -TypeName Ansible.Privilege.PrivilegeEnabler -ArgumentList $false, $privileges
        }
        [WinopsGolang.ServiceRecovery]::Set($Name, [uint32]$Recovery.reset_period, $types, $delays,
            [string]$Recovery.command, [string]$Recovery.reboot_message, [bool]$Recovery.failure_actions_on_non_crash)
    }
    catch {
        $info = Get-WinopsErrorInfo -Exception $_.Exception
        throw (New-WinopsError -Code $info.code -Message ("service.set: cannot set the recovery of service '{0}': {1}" -f $Name, $info.message))
    }
    finally {
        if ($null -ne $enabler) {
            $enabler.Dispose()
        }
    }
}

function Test-WinopsAccountPart {
    <#
    .SYNOPSIS
    Whether one part (domain or user) of an account name is acceptable to the SCM.
    #>
    param([string]$Part)
    if ([string]::IsNullOrEmpty($Part) -or $Part -ne $Part.Trim()) {
        return $false
    }
    foreach ($ch in $Part.ToCharArray()) {
        if ('"/[]:|<>+=;,?*@'.IndexOf($ch) -ge 0 -or [int]$ch -lt 32) {
            return $false
        }
    }
    return $true
}

function ConvertTo-WinopsServiceAccount {
    <#
    .SYNOPSIS
    An account argument as the SCM stores it (service_account.parse_account rules): {kind, object_name}.
    .DESCRIPTION
    Built-in accounts take their canonical ObjectName, a bare user is .\user, NT SERVICE\<name>
    must be the service's own virtual account, DOMAIN\name$ is a gMSA. A password is only for
    a user; with NeedPassword a user must have one. Users and gMSAs must translate to a SID
    (not_found with Windows' error 1057 text otherwise).
    #>
    param(
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Account,
        # Not [string]: PowerShell would turn $null into '' and a missing password into an empty one.
        $Password = $null,
        [Parameter(Mandatory = $true)][string]$Service,
        [Parameter(Mandatory = $true)][string]$Op,
        [bool]$NeedPassword = $true
    )
    $text = $Account.Trim()
    $usage = 'give DOMAIN\user, .\user, DOMAIN\gmsa$, NT SERVICE\<service>, LocalSystem, LocalService or NetworkService'
    if ($text -eq '') {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("{0}: 'account' must not be empty" -f $Op))
    }
    $kind = 'user'
    $objectName = $null
    if ($script:AccountAliases.ContainsKey($text)) {
        $objectName = $script:AccountAliases[$text]
        $kind = 'builtin'
    }
    else {
        if ($text.Contains('@')) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("{0}: account '{1}': give the account as DOMAIN\name, not in user@domain form" -f $Op, $text))
        }
        $cut = $text.LastIndexOf('\')
        $domain = '.'
        $user = $text
        if ($cut -ge 0) {
            $domain = $text.Substring(0, $cut)
            $user = $text.Substring($cut + 1)
        }
        if (-not (Test-WinopsAccountPart -Part $domain) -or -not (Test-WinopsAccountPart -Part $user)) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("{0}: account '{1}' is not a valid account name: {2}" -f $Op, $text, $usage))
        }
        if ($domain -eq 'NT SERVICE') {
            if ($user -ne $Service) {
                throw (New-WinopsError -Code 'invalid_argument' -Message ("{0}: account '{1}': a service can only run as its own virtual account, NT SERVICE\{2}" -f $Op, $text, $Service))
            }
            $kind = 'virtual'
            $objectName = 'NT SERVICE\{0}' -f $Service
        }
        elseif ($user.EndsWith('$')) {
            if ($domain -eq '.') {
                throw (New-WinopsError -Code 'invalid_argument' -Message ("{0}: account '{1}' looks like a group managed service account: give its domain (DOMAIN\name$)" -f $Op, $text))
            }
            $kind = 'gmsa'
            $objectName = '{0}\{1}' -f $domain, $user
        }
        else {
            $objectName = '{0}\{1}' -f $domain, $user
        }
    }
    if ($kind -eq 'user') {
        if ($null -eq $Password -and $NeedPassword) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("{0}: account '{1}' is a user account and needs a password" -f $Op, $objectName))
        }
    }
    elseif ($null -ne $Password) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("{0}: account '{1}' takes no password: built-in, virtual and group managed service accounts have none" -f $Op, $objectName))
    }
    if ($kind -eq 'user' -or $kind -eq 'gmsa') {
        $lookup = $objectName
        if ($lookup.StartsWith('.\')) {
            $lookup = '{0}\{1}' -f $env:COMPUTERNAME, $lookup.Substring(2)
        }
        try {
            $nt = New-Object -TypeName System.Security.Principal.NTAccount -ArgumentList $lookup
            $null = $nt.Translate([System.Security.Principal.SecurityIdentifier])
        }
        catch {
            throw (New-WinopsError -Code 'not_found' -Message ($script:AccountText -f $Op, $objectName))
        }
    }
    return @{ kind = $kind; object_name = $objectName }
}

function Test-WinopsSameServiceAccount {
    <#
    .SYNOPSIS
    Whether the ObjectName read from the host is the wanted account (case-insensitive; '' is
    LocalSystem; .\user and COMPUTER\user are the same local user).
    #>
    param([AllowEmptyString()][string]$Seen, [Parameter(Mandatory = $true)][string]$Wanted)
    $now = $Seen.Trim()
    if ($now -eq '') {
        $now = 'LocalSystem'
    }
    if ($script:AccountAliases.ContainsKey($now)) {
        $now = $script:AccountAliases[$now]
    }
    $local = @('.', $env:COMPUTERNAME)
    $nowCut = $now.LastIndexOf('\')
    $wantedCut = $Wanted.LastIndexOf('\')
    if ($nowCut -gt 0 -and $wantedCut -gt 0) {
        $nowDomain = $now.Substring(0, $nowCut)
        $wantedDomain = $Wanted.Substring(0, $wantedCut)
        if ($local -contains $nowDomain -and $local -contains $wantedDomain) {
            return ($now.Substring($nowCut + 1) -eq $Wanted.Substring($wantedCut + 1))
        }
    }
    return ($now -eq $Wanted)
}

function Get-WinopsServiceText {
    <#
    .SYNOPSIS
    Read an optional string argument that must be non-empty (unless AllowEmpty) and short enough.
    #>
    param([hashtable]$Arguments, [string]$Name, [string]$Op, [int]$Limit, [switch]$Required, [switch]$AllowEmpty)
    $value = Get-WinopsArg -Arguments $Arguments -Name $Name -Required:$Required
    if ($null -eq $value) {
        return $null
    }
    if ($value.Contains([string][char]0) -or $value.Length -gt $Limit -or (-not $AllowEmpty -and $value.Trim() -eq '')) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("{0}: '{1}' must be a non-empty string of at most {2} characters without NUL" -f $Op, $Name, $Limit))
    }
    return $value
}

function Get-WinopsServiceDependencyArg {
    <#
    .SYNOPSIS
    Read and check the 'dependencies' argument (a list of service names), or $null.
    #>
    param([hashtable]$Arguments, [string]$Op, [string]$Service)
    $deps = Get-WinopsArg -Arguments $Arguments -Name 'dependencies' -Type 'list'
    if ($null -eq $deps) {
        return $null
    }
    $out = New-Object -TypeName 'System.Collections.Generic.List[string]'
    foreach ($dep in $deps) {
        if ($dep -isnot [string] -or $dep -eq '' -or $dep.Contains('\') -or $dep.Contains('/') -or $dep.Contains([string][char]0)) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("{0}: '{1}' is not a service name" -f $Op, $dep))
        }
        if ($dep -eq $Service) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ('{0}: a service cannot depend on itself: Circular service dependency was specified. (1059)' -f $Op))
        }
        $out.Add($dep)
    }
    return , $out.ToArray()
}

function Test-WinopsSameDependency {
    <#
    .SYNOPSIS
    Whether two dependency lists name the same services (order and case do not matter).
    #>
    param([string[]]$One, [string[]]$Two)
    $a = @($One | ForEach-Object { $_.ToUpperInvariant() } | Sort-Object)
    $b = @($Two | ForEach-Object { $_.ToUpperInvariant() } | Sort-Object)
    return (($a -join "`n") -ceq ($b -join "`n"))
}

function Assert-WinopsDisplayNameFree {
    <#
    .SYNOPSIS
    Refuse a display name (or service name) another service already uses (1078).
    #>
    param([string]$Display, [string]$Service, [string]$Op)
    $escaped = $Display.Replace('\', '\\').Replace("'", "\'")
    $found = @(Get-CimInstance -ClassName 'Win32_Service' -Filter ("DisplayName='{0}' OR Name='{0}'" -f $escaped) -ErrorAction Stop)
    foreach ($other in $found) {
        if ([string]$other.Name -ne $Service) {
            throw (New-WinopsError -Code 'exists' -Message ($script:DuplicateText -f $Op, $Display))
        }
    }
}

function Invoke-WinopsServiceMethod {
    <#
    .SYNOPSIS
    Call a Win32_Service method and translate a non-zero ReturnValue into a protocol error.
    #>
    param($Instance, [string]$Method, [hashtable]$Arguments = @{}, [string]$Op, [string]$Name)
    try {
        if ($null -eq $Instance) {
            $result = Invoke-CimMethod -ClassName 'Win32_Service' -MethodName $Method -Arguments $Arguments -ErrorAction Stop
        }
        else {
            $result = Invoke-CimMethod -InputObject $Instance -MethodName $Method -Arguments $Arguments -ErrorAction Stop
        }
    }
    catch {
        $info = Get-WinopsErrorInfo -Exception $_.Exception
        throw (New-WinopsError -Code $info.code -Message ("{0}: Win32_Service.{1} of '{2}' failed: {3}" -f $Op, $Method, $Name, $info.message))
    }
    $rc = [int]$result.ReturnValue
    if ($rc -eq 0) {
        return
    }
    $code = 'error'
    $text = 'Unknown failure.'
    if ($script:CimReturn.ContainsKey($rc)) {
        $code = $script:CimReturn[$rc][0]
        $text = $script:CimReturn[$rc][1]
    }
    throw (New-WinopsError -Code $code -Message ("{0}: Win32_Service.{1} of '{2}' returned {3}: {4}" -f $Op, $Method, $Name, $rc, $text))
}

function Set-WinopsServiceDependencyList {
    <#
    .SYNOPSIS
    Write the dependency list: Win32_Service.Change, or sc.exe config depend= / to clear it.
    #>
    param($Instance, [string[]]$Dependencies)
    $name = [string]$Instance.Name
    if (@($Dependencies).Count -gt 0) {
        Invoke-WinopsServiceMethod -Instance $Instance -Method 'Change' -Arguments @{ ServiceDependencies = [string[]]$Dependencies } -Op 'service.set' -Name $name
        return
    }
    $sc = Join-Path -Path ([System.Environment]::SystemDirectory) -ChildPath 'sc.exe'
    $line = 'config "{0}" depend= /' -f $name
    $run = Invoke-WinopsProcess -FilePath $sc -ArgumentLine $line -TimeoutSeconds 60
    if ($run.rc -ne 0) {
        $said = (([string]$run.stdout) + ' ' + ([string]$run.stderr)).Trim()
        throw (New-WinopsError -Code 'error' -Message ('sc.exe {0} failed with exit code {1}: {2}' -f $line, $run.rc, $said))
    }
}

function New-WinopsService {
    <#
    .SYNOPSIS
    service.create: install a service through Win32_Service.Create; an existing name is 'exists'.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('name', 'path', 'display_name', 'description', 'account', 'password', 'start_mode', 'dependencies')
    $op = 'service.create'
    $name = Get-WinopsServiceName -Arguments $Arguments -Op $op
    $path = Get-WinopsServiceText -Arguments $Arguments -Name 'path' -Op $op -Limit 32767 -Required
    $display = Get-WinopsServiceText -Arguments $Arguments -Name 'display_name' -Op $op -Limit 256 -Required
    $description = Get-WinopsServiceText -Arguments $Arguments -Name 'description' -Op $op -Limit 32767 -AllowEmpty
    $mode = Get-WinopsArg -Arguments $Arguments -Name 'start_mode' -Default 'manual'
    if ($script:StartModes -cnotcontains $mode) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("{0}: 'start_mode' must be one of {1}" -f $op, ($script:StartModes -join ', ')))
    }
    $deps = Get-WinopsServiceDependencyArg -Arguments $Arguments -Op $op -Service $name
    $password = Get-WinopsArg -Arguments $Arguments -Name 'password'
    $accountArg = Get-WinopsArg -Arguments $Arguments -Name 'account'
    if ($null -eq $accountArg) {
        if ($null -ne $password) {
            throw (New-WinopsError -Code 'invalid_argument' -Message "service.create: account 'LocalSystem' takes no password")
        }
        $account = @{ kind = 'builtin'; object_name = 'LocalSystem' }
    }
    else {
        $account = ConvertTo-WinopsServiceAccount -Account $accountArg -Password $password -Service $name -Op $op
    }
    if ($null -ne (Get-WinopsServiceInstance -Name $name)) {
        throw (New-WinopsError -Code 'exists' -Message ('{0}: {1}' -f $op, ($script:ExistsText -f $name)))
    }
    Assert-WinopsDisplayNameFree -Display $display -Service $name -Op $op
    Assert-WinopsDisplayNameFree -Display $name -Service $name -Op $op
    $after = [ordered]@{
        exists = $true
        name = $name
        display_name = $display
        start_mode = $mode
        state = 'stopped'
        account = $account.object_name
        path = $path
    }
    if (-not $CheckMode) {
        $create = @{
            Name = $name
            DisplayName = $display
            PathName = $path
            ServiceType = [byte]16
            ErrorControl = [byte]1
            StartMode = $script:CimStart[$mode]
            DesktopInteract = $false
        }
        if ($account.object_name -ne 'LocalSystem') {
            $create['StartName'] = $account.object_name
        }
        if ($null -ne $password) {
            $create['StartPassword'] = $password
        }
        if ($null -ne $deps -and $deps.Count -gt 0) {
            $create['ServiceDependencies'] = [string[]]$deps
        }
        Invoke-WinopsServiceMethod -Instance $null -Method 'Create' -Arguments $create -Op $op -Name $name
        if ($mode -eq 'delayed') {
            Set-WinopsServiceStartMode -Name $name -Mode $mode
        }
        if (-not [string]::IsNullOrEmpty($description)) {
            Set-Service -Name $name -Description $description -ErrorAction Stop
        }
        $after = Get-WinopsServiceDescription -Instance (Get-WinopsRequiredService -Name $name -Op $op)
    }
    return @{ changed = $true; before = $null; after = $after }
}

function Set-WinopsService {
    <#
    .SYNOPSIS
    service.set: compare-and-set a service's configuration, field by field.
    .DESCRIPTION
    Only the fields given are compared and reported in before/after. A password is applied
    whenever given (the op is then changed) but is never compared or returned.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('name', 'path', 'display_name', 'description', 'account', 'password', 'dependencies', 'start_mode', 'recovery')
    $op = 'service.set'
    $name = Get-WinopsServiceName -Arguments $Arguments -Op $op
    $path = Get-WinopsServiceText -Arguments $Arguments -Name 'path' -Op $op -Limit 32767
    $display = Get-WinopsServiceText -Arguments $Arguments -Name 'display_name' -Op $op -Limit 256
    $description = Get-WinopsServiceText -Arguments $Arguments -Name 'description' -Op $op -Limit 32767 -AllowEmpty
    $mode = Get-WinopsArg -Arguments $Arguments -Name 'start_mode'
    if ($null -ne $mode -and $script:StartModes -cnotcontains $mode) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("service.set: 'start_mode' must be one of {0}" -f ($script:StartModes -join ', ')))
    }
    $deps = Get-WinopsServiceDependencyArg -Arguments $Arguments -Op $op -Service $name
    $recovery = $null
    $recoveryArg = Get-WinopsArg -Arguments $Arguments -Name 'recovery' -Type 'raw'
    if ($null -ne $recoveryArg) {
        $recovery = ConvertTo-WinopsRecovery -Value $recoveryArg
    }
    $password = Get-WinopsArg -Arguments $Arguments -Name 'password'
    $account = $null
    $accountArg = Get-WinopsArg -Arguments $Arguments -Name 'account'
    if ($null -ne $accountArg) {
        $account = ConvertTo-WinopsServiceAccount -Account $accountArg -Password $password -Service $name -Op $op -NeedPassword $false
    }
    $instance = Get-WinopsRequiredService -Name $name -Op $op
    $serviceName = [string]$instance.Name
    if ($null -ne $display) {
        Assert-WinopsDisplayNameFree -Display $display -Service $serviceName -Op $op
    }
    $before = [ordered]@{}
    $after = [ordered]@{}
    $change = @{}
    if ($null -ne $path) {
        $before.path = [string]$instance.PathName
        $after.path = $path
        if ($before.path -cne $path) {
            $change['PathName'] = $path
        }
    }
    if ($null -ne $display) {
        $before.display_name = [string]$instance.DisplayName
        $after.display_name = $display
        if ($before.display_name -cne $display) {
            $change['DisplayName'] = $display
        }
    }
    $setDescription = $false
    if ($null -ne $description) {
        $before.description = [string]$instance.Description
        $after.description = $description
        $setDescription = ($before.description -cne $description)
    }
    $setDependencies = $false
    if ($null -ne $deps) {
        $before.dependencies = Get-WinopsServiceDependency -Name $serviceName
        $setDependencies = -not (Test-WinopsSameDependency -One $before.dependencies -Two $deps)
        $after.dependencies = $before.dependencies
        if ($setDependencies) {
            $after.dependencies = $deps
        }
    }
    $currentAccount = [string]$instance.StartName
    if ($null -ne $account) {
        $before.account = $currentAccount
        $after.account = $currentAccount
        if (-not (Test-WinopsSameServiceAccount -Seen $currentAccount -Wanted $account.object_name)) {
            if ($account.kind -eq 'user' -and $null -eq $password) {
                throw (New-WinopsError -Code 'invalid_argument' -Message ("service.set: account '{0}' is a user account and needs a password" -f $account.object_name))
            }
            $after.account = $account.object_name
            $change['StartName'] = $account.object_name
        }
    }
    if ($null -ne $password) {
        $target = $after.account
        if ($null -eq $target) {
            $target = $currentAccount
        }
        $isUser = -not ($script:AccountAliases.ContainsKey($target) -or $target -eq '' -or
            $target.StartsWith('NT SERVICE\') -or $target.StartsWith('NT AUTHORITY\') -or $target.EndsWith('$'))
        if (-not $isUser) {
            throw (New-WinopsError -Code 'invalid_argument' -Message 'service.set: a password is only used by a user account (DOMAIN\user or .\user)')
        }
        $change['StartName'] = $target
        $change['StartPassword'] = $password
    }
    $setMode = $false
    if ($null -ne $mode) {
        $before.start_mode = Get-WinopsStartMode -Instance $instance
        $after.start_mode = $mode
        $setMode = ($before.start_mode -ne $mode)
    }
    $setRecovery = $false
    if ($null -ne $recovery) {
        $before.recovery = Get-WinopsServiceRecovery -Name $serviceName
        $setRecovery = Test-WinopsRecoveryDiffers -Wanted $recovery -Current $before.recovery
        $after.recovery = $before.recovery
        if ($setRecovery) {
            $after.recovery = $recovery
        }
    }
    $changed = ($change.Count -gt 0 -or $setDescription -or $setDependencies -or $setMode -or $setRecovery)
    if ($changed -and -not $CheckMode) {
        if ($change.Count -gt 0) {
            Invoke-WinopsServiceMethod -Instance $instance -Method 'Change' -Arguments $change -Op $op -Name $serviceName
        }
        if ($setDependencies) {
            Set-WinopsServiceDependencyList -Instance $instance -Dependencies $deps
        }
        if ($setDescription) {
            Set-Service -Name $serviceName -Description $description -ErrorAction Stop
        }
        if ($setMode) {
            Set-WinopsServiceStartMode -Name $serviceName -Mode $mode
        }
        if ($setRecovery) {
            Set-WinopsServiceRecovery -Name $serviceName -Recovery $recovery
        }
    }
    return @{ changed = $changed; before = $before; after = $after }
}

function Get-WinopsControlTimeout {
    <#
    .SYNOPSIS
    Read the 'timeout' argument (seconds > 0, default 30).
    #>
    param([hashtable]$Arguments, [string]$Op)
    $timeout = Get-WinopsArg -Arguments $Arguments -Name 'timeout' -Type 'number' -Default 30
    if ([double]$timeout -le 0) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("{0}: 'timeout' must be a number > 0" -f $Op))
    }
    return [double]$timeout
}

function Invoke-WinopsServiceTransition {
    <#
    .SYNOPSIS
    Start or stop a service with ServiceController and wait up to Timeout seconds for it.
    #>
    param([string]$Name, [bool]$Start, [double]$Timeout, [string]$Op)
    $controller = New-Object -TypeName System.ServiceProcess.ServiceController -ArgumentList $Name
    try {
        if ($Start) {
            $controller.Start()
            $controller.WaitForStatus([System.ServiceProcess.ServiceControllerStatus]::Running, [TimeSpan]::FromSeconds($Timeout))
        }
        else {
            $controller.Stop()
            $controller.WaitForStatus([System.ServiceProcess.ServiceControllerStatus]::Stopped, [TimeSpan]::FromSeconds($Timeout))
        }
    }
    catch {
        $ex = Get-WinopsInnerException -Exception $_.Exception
        $verb = 'stopped'
        if ($Start) {
            $verb = 'started'
        }
        if ($ex -is [System.ServiceProcess.TimeoutException]) {
            throw (New-WinopsError -Code 'timeout' -Message ("{0}: service '{1}' was not {2} within {3} s" -f $Op, $Name, $verb, $Timeout))
        }
        $native = $ex
        while ($null -ne $native -and $native -isnot [System.ComponentModel.Win32Exception]) {
            $native = $native.InnerException
        }
        if ($null -ne $native) {
            $code = (Get-WinopsErrorInfo -Exception $native).code
            throw (New-WinopsError -Code $code -Message ("{0}: Service '{1}' cannot be {2}: {3} ({4})" -f $Op, $Name, $verb, $native.Message, $native.NativeErrorCode))
        }
        $info = Get-WinopsErrorInfo -Exception $_.Exception
        throw (New-WinopsError -Code $info.code -Message ('{0}: {1}' -f $Op, $info.message))
    }
    finally {
        $controller.Dispose()
    }
}

function Invoke-WinopsServiceControl {
    <#
    .SYNOPSIS
    service.control: start or stop a service and wait up to 'timeout' seconds; a disabled service cannot be started (1058).
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('name', 'state', 'timeout')
    $name = Get-WinopsServiceName -Arguments $Arguments -Op 'service.control'
    $wanted = Get-WinopsArg -Arguments $Arguments -Name 'state' -Required
    if (@('started', 'stopped') -cnotcontains $wanted) {
        throw (New-WinopsError -Code 'invalid_argument' -Message "service.control: 'state' must be one of started, stopped")
    }
    $timeout = Get-WinopsControlTimeout -Arguments $Arguments -Op 'service.control'
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
        Invoke-WinopsServiceTransition -Name $serviceName -Start ($after -eq 'running') -Timeout $timeout -Op 'service.control'
        $now = Get-WinopsRequiredService -Name $serviceName -Op 'service.control'
        $after = ConvertTo-WinopsServiceState -State ([string]$now.State)
    }
    return @{ changed = $changed; before = $before; after = $after }
}

function Remove-WinopsService {
    <#
    .SYNOPSIS
    service.remove: stop a running service (waiting up to 'timeout' seconds), then delete it; a missing service is unchanged.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('name', 'timeout')
    $op = 'service.remove'
    $name = Get-WinopsServiceName -Arguments $Arguments -Op $op
    $timeout = Get-WinopsControlTimeout -Arguments $Arguments -Op $op
    $instance = Get-WinopsServiceInstance -Name $name
    if ($null -eq $instance) {
        return @{ changed = $false; before = $null; after = $null }
    }
    $before = Get-WinopsServiceDescription -Instance $instance
    if (-not $CheckMode) {
        $serviceName = [string]$instance.Name
        if ($before.state -ne 'stopped') {
            Invoke-WinopsServiceTransition -Name $serviceName -Start $false -Timeout $timeout -Op $op
        }
        $now = Get-WinopsRequiredService -Name $serviceName -Op $op
        Invoke-WinopsServiceMethod -Instance $now -Method 'Delete' -Op $op -Name $serviceName
    }
    return @{ changed = $true; before = $before; after = $null }
}

Export-ModuleMember -Function @(
    'Get-WinopsService',
    'New-WinopsService',
    'Set-WinopsService',
    'Invoke-WinopsServiceControl',
    'Remove-WinopsService'
)
