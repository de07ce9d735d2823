# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# portproxy.get and portproxy.set of the winops agent (docs/agent-protocol.md):
# IPv4-to-IPv4 TCP port forwarding. Windows PowerShell 5.1 syntax only.
#
# Rules are written with netsh.exe ("interface portproxy add|set|delete v4tov4"), the
# supported interface; its exit code is checked and its output goes into the error.
# They are read from the registry key netsh keeps them in,
# HKLM\SYSTEM\CurrentControlSet\Services\PortProxy\v4tov4\tcp, one REG_SZ value per
# listen pair ("<address>/<port>" = "<address>/<port>"), because "netsh ... show"
# prints localized tables. The IP Helper service (iphlpsvc) does the forwarding: its
# state comes from Win32_Service (CIM) and the service key's DelayedAutostart value.

#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsCommon

$ErrorActionPreference = 'Stop'

$script:RulesKey = 'SYSTEM\CurrentControlSet\Services\PortProxy\v4tov4\tcp'
$script:ServiceName = 'iphlpsvc'
$script:Ipv4Pattern = '^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$'
$script:HostPattern = '^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$'

function Split-WinopsProxyEndpoint {
    <#
    .SYNOPSIS
    "<address>/<port>" as @(address, port), or $null when it does not parse.
    #>
    param($Text)
    if ($Text -isnot [string]) {
        return $null
    }
    $found = [regex]::Match($Text, '^(.+)/(\d{1,5})$')
    if (-not $found.Success) {
        return $null
    }
    $port = [int]$found.Groups[2].Value
    if ($port -lt 1 -or $port -gt 65535) {
        return $null
    }
    return , @($found.Groups[1].Value, $port)
}

function Get-WinopsPortProxyRules {
    <#
    .SYNOPSIS
    Every v4tov4 rule, sorted by listen port, then listen address.
    #>
    $rules = New-Object -TypeName 'System.Collections.Generic.List[object]'
    $key = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey($script:RulesKey, $false)
    if ($null -eq $key) {
        return , $rules
    }
    try {
        foreach ($name in $key.GetValueNames()) {
            if ($key.GetValueKind($name) -ne [Microsoft.Win32.RegistryValueKind]::String) {
                continue
            }
            $listen = Split-WinopsProxyEndpoint -Text $name
            $connect = Split-WinopsProxyEndpoint -Text $key.GetValue($name)
            if ($null -eq $listen -or $null -eq $connect) {
                continue
            }
            $rules.Add([ordered]@{
                    listen_address = [string]$listen[0]
                    listen_port = [int]$listen[1]
                    connect_address = [string]$connect[0]
                    connect_port = [int]$connect[1]
                })
        }
    }
    finally {
        $key.Dispose()
    }
    $sorted = New-Object -TypeName 'System.Collections.Generic.List[object]'
    foreach ($rule in ($rules | Sort-Object -Property @{ Expression = { $_.listen_port } }, @{ Expression = { $_.listen_address.ToUpperInvariant() } })) {
        $sorted.Add($rule)
    }
    return , $sorted
}

function Find-WinopsPortProxyRule {
    <#
    .SYNOPSIS
    The rule of one listen pair (the address compared case-insensitively), or $null.
    #>
    param([string]$Address, [int]$Port)
    foreach ($rule in (Get-WinopsPortProxyRules)) {
        if ($rule.listen_port -eq $Port -and [string]::Equals($rule.listen_address, $Address, [System.StringComparison]::OrdinalIgnoreCase)) {
            return $rule
        }
    }
    return $null
}

function Get-WinopsIpHelperState {
    <#
    .SYNOPSIS
    exists, state and start_mode of the IP Helper service, as service.get names them.
    #>
    $found = @(Get-CimInstance -ClassName 'Win32_Service' -Filter ("Name='{0}'" -f $script:ServiceName) -ErrorAction Stop)
    if ($found.Count -eq 0) {
        return [ordered]@{ exists = $false; state = $null; start_mode = $null }
    }
    $mode = ([string]$found[0].StartMode).ToLowerInvariant()
    if ($mode -eq 'auto') {
        $key = [Microsoft.Win32.Registry]::LocalMachine.OpenSubKey(('SYSTEM\CurrentControlSet\Services\{0}' -f $script:ServiceName), $false)
        if ($null -ne $key) {
            try {
                $delayed = $key.GetValue('DelayedAutostart', 0)
                if ($delayed -is [int] -and $delayed -ne 0) {
                    $mode = 'delayed'
                }
            }
            finally {
                $key.Dispose()
            }
        }
    }
    return [ordered]@{
        exists = $true
        state = ([string]$found[0].State).ToLowerInvariant().Replace(' ', '_')
        start_mode = $mode
    }
}

function Get-WinopsPortProxy {
    <#
    .SYNOPSIS
    portproxy.get: the v4tov4 rules and the IP Helper service that runs them.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @()
    return @{ changed = $false; rules = (Get-WinopsPortProxyRules); iphlpsvc = (Get-WinopsIpHelperState) }
}

function Get-WinopsProxyAddress {
    <#
    .SYNOPSIS
    An address argument: a dotted IPv4 address or a host name.
    #>
    param([hashtable]$Arguments, [string]$Name, $Default = $null)
    $value = $null
    if ($null -eq $Default) {
        $value = Get-WinopsArg -Arguments $Arguments -Name $Name -Required
    }
    else {
        $value = Get-WinopsArg -Arguments $Arguments -Name $Name -Default $Default
    }
    if ($value -notmatch $script:Ipv4Pattern -and $value -notmatch $script:HostPattern) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("portproxy.set: '{0}' must be an IPv4 address or a host name, not '{1}'" -f $Name, $value))
    }
    return [string]$value
}

function Get-WinopsProxyPort {
    <#
    .SYNOPSIS
    A port argument: an integer from 1 to 65535.
    #>
    param([hashtable]$Arguments, [string]$Name)
    $value = $null
    if ($Arguments.ContainsKey($Name)) {
        $value = $Arguments[$Name]
    }
    if (-not ($value -is [int] -or $value -is [long]) -or [long]$value -lt 1 -or [long]$value -gt 65535) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("portproxy.set: '{0}' must be a port number from 1 to 65535, not '{1}'" -f $Name, $value))
    }
    return [int]$value
}

function Test-WinopsSameTarget {
    <#
    .SYNOPSIS
    Whether two rules (or $null) forward to the same connect address and port.
    #>
    param($Left, $Right)
    if ($null -eq $Left -or $null -eq $Right) {
        return ($null -eq $Left -and $null -eq $Right)
    }
    return ([string]::Equals([string]$Left['connect_address'], [string]$Right['connect_address'], [System.StringComparison]::OrdinalIgnoreCase) -and
        [long]$Left['connect_port'] -eq [long]$Right['connect_port'])
}

function Test-WinopsExpectedRule {
    <#
    .SYNOPSIS
    Whether 'expected' ($null, or {connect_address, connect_port}) matches the current rule.
    #>
    param($Expected, $Rule)
    if ($null -eq $Expected) {
        return ($null -eq $Rule)
    }
    # The JSON object may be any dictionary type: copy it into a hashtable first.
    $table = @{}
    if ($Expected -is [System.Collections.IDictionary]) {
        foreach ($key in $Expected.Keys) {
            $table[[string]$key] = $Expected[$key]
        }
    }
    if ($Expected -isnot [System.Collections.IDictionary] -or $table.Count -ne 2 -or
        -not $table.ContainsKey('connect_address') -or -not $table.ContainsKey('connect_port') -or
        $table['connect_address'] -isnot [string] -or -not ($table['connect_port'] -is [int] -or $table['connect_port'] -is [long])) {
        throw (New-WinopsError -Code 'invalid_argument' -Message "portproxy.set: 'expected' is null or {connect_address, connect_port}")
    }
    if ($null -eq $Rule) {
        return $false
    }
    return (Test-WinopsSameTarget -Left $table -Right $Rule)
}

function Invoke-WinopsPortProxyNetsh {
    <#
    .SYNOPSIS
    Run "netsh interface portproxy ..."; a non-zero exit code is an error carrying its output.
    #>
    param([Parameter(Mandatory = $true)][string]$ArgumentLine)
    $netsh = Join-Path -Path ([System.Environment]::SystemDirectory) -ChildPath 'netsh.exe'
    $line = 'interface portproxy {0}' -f $ArgumentLine
    $run = Invoke-WinopsProcess -FilePath $netsh -ArgumentLine $line -TimeoutSeconds 60
    if ($run.rc -ne 0) {
        $said = (([string]$run.stdout) + ' ' + ([string]$run.stderr)).Trim()
        throw (New-WinopsError -Code 'error' -Message ('netsh {0} failed with exit code {1}: {2}' -f $line, $run.rc, $said))
    }
}

function Set-WinopsPortProxy {
    <#
    .SYNOPSIS
    portproxy.set: compare-and-set the rule of one listen pair.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('listen_address', 'listen_port', 'connect_address', 'connect_port', 'state', 'expected')
    $state = Get-WinopsArg -Arguments $Arguments -Name 'state' -Default 'present'
    if ($state -cne 'present' -and $state -cne 'absent') {
        throw (New-WinopsError -Code 'invalid_argument' -Message "portproxy.set: 'state' must be one of present, absent")
    }
    $listenAddress = Get-WinopsProxyAddress -Arguments $Arguments -Name 'listen_address' -Default '0.0.0.0'
    $listenPort = Get-WinopsProxyPort -Arguments $Arguments -Name 'listen_port'
    $wanted = $null
    if ($state -ceq 'present') {
        $wanted = [ordered]@{
            listen_address = $listenAddress
            listen_port = $listenPort
            connect_address = (Get-WinopsProxyAddress -Arguments $Arguments -Name 'connect_address')
            connect_port = (Get-WinopsProxyPort -Arguments $Arguments -Name 'connect_port')
        }
    }
    elseif ($Arguments.ContainsKey('connect_address') -or $Arguments.ContainsKey('connect_port')) {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'portproxy.set: state absent takes no connect_address or connect_port')
    }
    $before = Find-WinopsPortProxyRule -Address $listenAddress -Port $listenPort
    if ($Arguments.ContainsKey('expected') -and -not (Test-WinopsExpectedRule -Expected $Arguments['expected'] -Rule $before)) {
        $now = 'no rule'
        if ($null -ne $before) {
            $now = '{0}:{1}' -f $before.connect_address, $before.connect_port
        }
        throw (New-WinopsError -Code 'conflict' -Message ('portproxy.set: {0}:{1} forwards to {2}, not what the caller last read; read it again and retry' -f $listenAddress, $listenPort, $now))
    }
    $after = $null
    if ($null -ne $wanted) {
        $after = $wanted
        if ($null -ne $before) {
            # netsh keeps the listen address as it was stored.
            $after.listen_address = $before.listen_address
        }
    }
    $changed = -not (Test-WinopsSameTarget -Left $before -Right $after)
    if ($changed -and -not $CheckMode) {
        if ($null -eq $after) {
            Invoke-WinopsPortProxyNetsh -ArgumentLine ('delete v4tov4 listenport={0} listenaddress={1}' -f $listenPort, $before.listen_address)
        }
        else {
            $verb = 'add'
            if ($null -ne $before) {
                $verb = 'set'
            }
            Invoke-WinopsPortProxyNetsh -ArgumentLine ('{0} v4tov4 listenport={1} listenaddress={2} connectport={3} connectaddress={4}' -f $verb, $listenPort, $after.listen_address, $after.connect_port, $after.connect_address)
        }
        $now = Find-WinopsPortProxyRule -Address $listenAddress -Port $listenPort
        if (-not (Test-WinopsSameTarget -Left $now -Right $after)) {
            throw (New-WinopsError -Code 'error' -Message ('netsh reported success but the rule for {0}:{1} does not read back as written' -f $listenAddress, $listenPort))
        }
    }
    return @{ changed = $changed; before = $before; after = $after }
}

Export-ModuleMember -Function @(
    'Get-WinopsPortProxy',
    'Set-WinopsPortProxy'
)
