# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Network ops of the winops agent: net.get and net.set (docs/agent-protocol.md).
# Windows PowerShell 5.1 syntax only.
#
# Dynamic port ranges go through netsh.exe: Microsoft documents them per protocol AND
# per IP version only there (KB 929851, "netsh int ipv4|ipv6 set dynamicport tcp|udp"),
# while Set-NetTCPSetting/Set-NetUDPSetting have no address-family parameter. netsh's
# exit code is checked and the range is read back. Its labels are localized, so only
# the two numbers of "show dynamicport" are parsed.
# TCP settings and offload globals go through the NetTCPIP cmdlets (MSFT_NetTCPSetting,
# MSFT_NetOffloadGlobalSetting): structured values, no localized text, on every
# Windows Server from 2016 on. A TCP setting is written to the Internet, Datacenter and
# their Custom templates (the ones the automatic transport filter picks from), and a
# failure part-way puts the templates already written back.

#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsCommon

$ErrorActionPreference = 'Stop'

$script:Protocols = @('tcp', 'udp')
$script:Families = @('ipv4', 'ipv6')
$script:Templates = @('Internet', 'InternetCustom', 'Datacenter', 'DatacenterCustom')
$script:EnabledDisabled = @{ 'enabled' = 'Enabled'; 'disabled' = 'Disabled' }

# net.set setting id -> cmdlet property/parameter and the accepted values (protocol name ->
# Windows name). Numbers are the MSFT_NetTCPSetting value maps, for providers that return
# raw numbers instead of enum names.
$script:TcpSettings = [ordered]@{
    autotuning_level = @{
        property = 'AutoTuningLevelLocal'
        values = [ordered]@{ 'disabled' = 'Disabled'; 'highlyrestricted' = 'HighlyRestricted'; 'restricted' = 'Restricted'; 'normal' = 'Normal'; 'experimental' = 'Experimental' }
        numbers = @{ 0 = 'disabled'; 1 = 'highlyrestricted'; 2 = 'restricted'; 3 = 'normal'; 4 = 'experimental' }
    }
    congestion_provider = @{
        property = 'CongestionProvider'
        values = [ordered]@{ 'ctcp' = 'CTCP'; 'dctcp' = 'DCTCP'; 'cubic' = 'CUBIC'; 'bbr2' = 'BBR2' }
        numbers = @{ 0 = 'default'; 2 = 'ctcp'; 3 = 'dctcp' }
    }
    ecn_capability = @{
        property = 'EcnCapability'
        values = $script:EnabledDisabled
        numbers = @{ 0 = 'disabled'; 1 = 'enabled' }
    }
    timestamps = @{
        property = 'Timestamps'
        values = $script:EnabledDisabled
        numbers = @{ 0 = 'disabled'; 1 = 'enabled' }
    }
    initial_congestion_window = @{
        property = 'InitialCongestionWindowMss'
        values = $null
        numbers = $null
    }
}
$script:OffloadSettings = [ordered]@{
    receive_side_scaling = 'ReceiveSideScaling'
    receive_segment_coalescing = 'ReceiveSegmentCoalescing'
}

function Get-WinopsNetshPath {
    <#
    .SYNOPSIS
    The full path of netsh.exe (never searched on PATH).
    #>
    return (Join-Path -Path ([System.Environment]::SystemDirectory) -ChildPath 'netsh.exe')
}

function Invoke-WinopsNetsh {
    <#
    .SYNOPSIS
    Run netsh with the given arguments; a non-zero exit code is an error carrying its output.
    #>
    param([Parameter(Mandatory = $true)][string]$ArgumentLine)
    $run = Invoke-WinopsProcess -FilePath (Get-WinopsNetshPath) -ArgumentLine $ArgumentLine -TimeoutSeconds 60
    if ($run.rc -ne 0) {
        $said = (([string]$run.stdout) + ' ' + ([string]$run.stderr)).Trim()
        throw (New-WinopsError -Code 'error' -Message ('netsh {0} failed with exit code {1}: {2}' -f $ArgumentLine, $run.rc, $said))
    }
    return [string]$run.stdout
}

function Get-WinopsDynamicPortRange {
    <#
    .SYNOPSIS
    The dynamic port range of one protocol and IP version, as {start, count}.
    #>
    param(
        [Parameter(Mandatory = $true)][string]$Protocol,
        [Parameter(Mandatory = $true)][string]$Family
    )
    $text = Invoke-WinopsNetsh -ArgumentLine ('interface {0} show dynamicport {1}' -f $Family, $Protocol)
    # "Start Port : 49152" and "Number of Ports : 16384", labels localized.
    $found = [regex]::Matches($text, '(?m):\s*(\d+)\s*$')
    if ($found.Count -ne 2) {
        throw (New-WinopsError -Code 'error' -Message ('cannot read the {0} {1} dynamic port range from netsh output: {2}' -f $Family, $Protocol, $text.Trim()))
    }
    return [ordered]@{ start = [long]$found[0].Groups[1].Value; count = [long]$found[1].Groups[1].Value }
}

function ConvertTo-WinopsNetName {
    <#
    .SYNOPSIS
    A cmdlet property value as the protocol's lowercase name (enum name or value-map number).
    #>
    param($Value, $Numbers)
    if ($null -eq $Value) {
        return $null
    }
    $number = [long]0
    if ($null -ne $Numbers -and [long]::TryParse([string]$Value, [ref]$number)) {
        if ($Numbers.ContainsKey([int]$number)) {
            return $Numbers[[int]$number]
        }
        return ('unknown({0})' -f $number)
    }
    return ([string]$Value).ToLowerInvariant()
}

function Get-WinopsTcpInstances {
    <#
    .SYNOPSIS
    The MSFT_NetTCPSetting instances of the managed templates, by template name.
    #>
    $instances = @{}
    foreach ($template in $script:Templates) {
        $instances[$template] = Get-NetTCPSetting -SettingName $template -ErrorAction Stop
    }
    return $instances
}

function Get-WinopsTcpTemplateValues {
    <#
    .SYNOPSIS
    One TCP setting's value per template, as an ordered dictionary template -> value.
    #>
    param(
        [Parameter(Mandatory = $true)][string]$Name,
        [hashtable]$Instances = $null
    )
    if ($null -eq $Instances) {
        $Instances = Get-WinopsTcpInstances
    }
    $spec = $script:TcpSettings[$Name]
    $values = [ordered]@{}
    foreach ($template in $script:Templates) {
        $raw = $Instances[$template].($spec.property)
        if ($null -eq $spec.values) {
            $values[$template] = [long]$raw
        }
        else {
            $values[$template] = ConvertTo-WinopsNetName -Value $raw -Numbers $spec.numbers
        }
    }
    return $values
}

function Get-WinopsTcpValue {
    <#
    .SYNOPSIS
    A TCP setting as net.get reports it: the common value, or template -> value when they differ.
    #>
    param(
        [Parameter(Mandatory = $true)][string]$Name,
        [hashtable]$Instances = $null
    )
    $values = Get-WinopsTcpTemplateValues -Name $Name -Instances $Instances
    $first = $null
    $same = $true
    $index = 0
    foreach ($template in $values.Keys) {
        if ($index -eq 0) {
            $first = $values[$template]
        }
        elseif (-not (Test-WinopsNetEqual -Left $first -Right $values[$template])) {
            $same = $false
        }
        $index++
    }
    if ($same) {
        return $first
    }
    return $values
}

function Get-WinopsOffloadValue {
    <#
    .SYNOPSIS
    One offload global setting ('enabled' or 'disabled').
    #>
    param([Parameter(Mandatory = $true)][string]$Name)
    $instance = Get-NetOffloadGlobalSetting -ErrorAction Stop
    return (ConvertTo-WinopsNetName -Value $instance.($script:OffloadSettings[$Name]) -Numbers @{ 0 = 'disabled'; 1 = 'enabled' })
}

function ConvertTo-WinopsNetTable {
    <#
    .SYNOPSIS
    Copy any dictionary (the agent's JSON objects may be generic dictionaries) into a hashtable.
    #>
    param([Parameter(Mandatory = $true)][System.Collections.IDictionary]$Value)
    $table = @{}
    foreach ($key in $Value.Keys) {
        $table[[string]$key] = $Value[$key]
    }
    return $table
}

function Test-WinopsNetEqual {
    <#
    .SYNOPSIS
    Compare two net values (string, number, {start, count} or template -> value).
    #>
    param($Left, $Right)
    if ($null -eq $Left -or $null -eq $Right) {
        return ($null -eq $Left -and $null -eq $Right)
    }
    $leftDict = $Left -is [System.Collections.IDictionary]
    $rightDict = $Right -is [System.Collections.IDictionary]
    if ($leftDict -or $rightDict) {
        if (-not ($leftDict -and $rightDict)) {
            return $false
        }
        $leftTable = ConvertTo-WinopsNetTable -Value $Left
        $rightTable = ConvertTo-WinopsNetTable -Value $Right
        if ($leftTable.Count -ne $rightTable.Count) {
            return $false
        }
        foreach ($key in $leftTable.Keys) {
            if (-not $rightTable.ContainsKey($key)) {
                return $false
            }
            if (-not (Test-WinopsNetEqual -Left $leftTable[$key] -Right $rightTable[$key])) {
                return $false
            }
        }
        return $true
    }
    $leftNumber = [long]0
    $rightNumber = [long]0
    if ($Left -isnot [string] -and $Right -isnot [string] -and
        [long]::TryParse([string]$Left, [ref]$leftNumber) -and [long]::TryParse([string]$Right, [ref]$rightNumber)) {
        return ($leftNumber -eq $rightNumber)
    }
    return [string]::Equals([string]$Left, [string]$Right, [System.StringComparison]::Ordinal)
}

function Split-WinopsNetSetting {
    <#
    .SYNOPSIS
    Check a net.set setting id and split it into its parts.
    #>
    param([Parameter(Mandatory = $true)][string]$Setting)
    $parts = $Setting.Split('.')
    $known = $false
    if ($parts.Count -eq 3 -and $parts[0] -ceq 'dynamic_ports') {
        $known = ($script:Protocols -ccontains $parts[1]) -and ($script:Families -ccontains $parts[2])
    }
    elseif ($parts.Count -eq 2 -and $parts[0] -ceq 'tcp') {
        $known = @($script:TcpSettings.Keys) -ccontains $parts[1]
    }
    elseif ($parts.Count -eq 2 -and $parts[0] -ceq 'offload') {
        $known = @($script:OffloadSettings.Keys) -ccontains $parts[1]
    }
    if (-not $known) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("net.set: unknown setting '{0}'" -f $Setting))
    }
    return , $parts
}

function Test-WinopsInteger {
    <#
    .SYNOPSIS
    Whether a JSON value is an integer (not a bool or a string).
    #>
    param($Value)
    return ($Value -is [int] -or $Value -is [long] -or $Value -is [int16] -or $Value -is [byte])
}

function Assert-WinopsNetValue {
    <#
    .SYNOPSIS
    Check a net.set value against the Windows rules; return it in the protocol's form.
    #>
    param([string[]]$Parts, $Value)
    if ($Parts[0] -ceq 'dynamic_ports') {
        $range = $null
        if ($Value -is [System.Collections.IDictionary]) {
            $range = ConvertTo-WinopsNetTable -Value $Value
        }
        if ($null -eq $range -or $range.Count -ne 2 -or -not $range.ContainsKey('start') -or -not $range.ContainsKey('count') -or
            -not (Test-WinopsInteger -Value $range['start']) -or -not (Test-WinopsInteger -Value $range['count'])) {
            throw (New-WinopsError -Code 'invalid_argument' -Message 'net.set: a dynamic port range is {start, count} with integers')
        }
        $start = [long]$range['start']
        $count = [long]$range['count']
        # KB 929851: start 1025 or more, at least 255 ports, end at most 65535.
        if ($start -lt 1025 -or $count -lt 255 -or ($start + $count - 1) -gt 65535) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ('net.set: netsh refuses start={0} num={1}: the start port must be 1025 or more, the range at least 255 ports, and its end at most 65535' -f $start, $count))
        }
        return [ordered]@{ start = $start; count = $count }
    }
    if ($Parts[0] -ceq 'tcp' -and $Parts[1] -ceq 'initial_congestion_window') {
        if (-not (Test-WinopsInteger -Value $Value) -or [long]$Value -lt 2 -or [long]$Value -gt 64 -or ([long]$Value % 2) -ne 0) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("net.set: the initial congestion window must be an even number from 2 to 64, not '{0}'" -f $Value))
        }
        return [long]$Value
    }
    $choices = $script:EnabledDisabled
    if ($Parts[0] -ceq 'tcp') {
        $choices = $script:TcpSettings[$Parts[1]].values
    }
    if ($Value -isnot [string] -or -not (@($choices.Keys) -ccontains $Value)) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("net.set: {0} must be one of {1}, not '{2}'" -f ($Parts -join '.'), (@($choices.Keys) -join ', '), $Value))
    }
    return $Value
}

function Set-WinopsTcpTemplates {
    <#
    .SYNOPSIS
    Write one TCP setting to every template that differs; put them back if one fails.
    #>
    param([Parameter(Mandatory = $true)][string]$Name, $Value)
    $spec = $script:TcpSettings[$Name]
    $windowsValue = $Value
    if ($null -ne $spec.values) {
        $windowsValue = $spec.values[$Value]
    }
    $current = Get-WinopsTcpTemplateValues -Name $Name
    $done = New-Object -TypeName 'System.Collections.Generic.List[string]'
    try {
        foreach ($template in $script:Templates) {
            if (Test-WinopsNetEqual -Left $current[$template] -Right $Value) {
                continue
            }
            $params = @{ SettingName = $template; ($spec.property) = $windowsValue }
            try {
                Set-NetTCPSetting @params -Confirm:$false -ErrorAction Stop
            }
            catch [System.Management.Automation.ParameterBindingException] {
                throw (New-WinopsError -Code 'invalid_argument' -Message ('Windows refused {0} {1} for the {2} template: {3}' -f $spec.property, $windowsValue, $template, $_.Exception.Message))
            }
            $done.Add($template)
        }
    }
    catch {
        $failure = $_
        foreach ($template in $done) {
            $old = $current[$template]
            if ($null -ne $spec.values -and $spec.values.Contains([string]$old)) {
                $old = $spec.values[[string]$old]
            }
            try {
                $undo = @{ SettingName = $template; ($spec.property) = $old }
                Set-NetTCPSetting @undo -Confirm:$false -ErrorAction Stop
            }
            catch {
                $null = $_
            }
        }
        throw $failure
    }
}

function Get-WinopsNetwork {
    <#
    .SYNOPSIS
    net.get: every dynamic port range, the TCP settings and the offload globals.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @()
    $ports = [ordered]@{}
    foreach ($protocol in $script:Protocols) {
        $ports[$protocol] = [ordered]@{}
        foreach ($family in $script:Families) {
            $ports[$protocol][$family] = Get-WinopsDynamicPortRange -Protocol $protocol -Family $family
        }
    }
    $tcp = [ordered]@{}
    $instances = Get-WinopsTcpInstances
    foreach ($name in $script:TcpSettings.Keys) {
        $tcp[$name] = Get-WinopsTcpValue -Name $name -Instances $instances
    }
    $offload = [ordered]@{}
    $instance = Get-NetOffloadGlobalSetting -ErrorAction Stop
    foreach ($name in $script:OffloadSettings.Keys) {
        $offload[$name] = ConvertTo-WinopsNetName -Value $instance.($script:OffloadSettings[$name]) -Numbers @{ 0 = 'disabled'; 1 = 'enabled' }
    }
    return @{ changed = $false; dynamic_ports = $ports; tcp = $tcp; offload = $offload }
}

function Set-WinopsNetwork {
    <#
    .SYNOPSIS
    net.set: compare-and-set one setting; expected is the value the caller last read.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('setting', 'value', 'expected')
    $setting = Get-WinopsArg -Arguments $Arguments -Name 'setting' -Required
    $parts = Split-WinopsNetSetting -Setting $setting
    if (-not $Arguments.ContainsKey('value') -or $null -eq $Arguments['value']) {
        throw (New-WinopsError -Code 'invalid_argument' -Message "net.set: missing argument 'value'")
    }
    $value = Assert-WinopsNetValue -Parts $parts -Value $Arguments['value']

    if ($parts[0] -ceq 'dynamic_ports') {
        $before = Get-WinopsDynamicPortRange -Protocol $parts[1] -Family $parts[2]
    }
    elseif ($parts[0] -ceq 'tcp') {
        $before = Get-WinopsTcpValue -Name $parts[1]
    }
    else {
        $before = Get-WinopsOffloadValue -Name $parts[1]
    }
    if ($Arguments.ContainsKey('expected') -and -not (Test-WinopsNetEqual -Left $Arguments['expected'] -Right $before)) {
        throw (New-WinopsError -Code 'conflict' -Message ("net.set: {0} is not what the caller last read; read it again and retry" -f $setting))
    }
    $changed = -not (Test-WinopsNetEqual -Left $before -Right $value)
    if ($changed -and -not $CheckMode) {
        if ($parts[0] -ceq 'dynamic_ports') {
            $null = Invoke-WinopsNetsh -ArgumentLine ('interface {0} set dynamicport {1} start={2} num={3}' -f $parts[2], $parts[1], $value.start, $value.count)
            $now = Get-WinopsDynamicPortRange -Protocol $parts[1] -Family $parts[2]
            if (-not (Test-WinopsNetEqual -Left $now -Right $value)) {
                throw (New-WinopsError -Code 'error' -Message ('netsh reported success but the {0} {1} dynamic port range is start={2} num={3}' -f $parts[2], $parts[1], $now.start, $now.count))
            }
        }
        elseif ($parts[0] -ceq 'tcp') {
            Set-WinopsTcpTemplates -Name $parts[1] -Value $value
        }
        else {
            $params = @{ ($script:OffloadSettings[$parts[1]]) = $script:EnabledDisabled[$value] }
            Set-NetOffloadGlobalSetting @params -Confirm:$false -ErrorAction Stop
        }
    }
    return @{ changed = $changed; before = $before; after = $value }
}

Export-ModuleMember -Function @(
    'Get-WinopsNetwork',
    'Set-WinopsNetwork'
)
