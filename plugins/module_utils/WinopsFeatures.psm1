# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Feature ops of the winops agent: feature.get and feature.set (docs/agent-protocol.md),
# for Windows optional features and capabilities (Features on Demand), through the
# DISM module of Windows PowerShell 5.1. Windows PowerShell 5.1 syntax only.
#
# States are mapped from the number of DISM's FeatureState enum, not its name:
# several names share a number (Enabled/Installed, Disabled/Staged, ...), so which one
# ToString() shows differs between releases.
# A change that needs a restart is left pending (-NoRestart); Windows records it under
# Component Based Servicing\RebootPending, which facts.get reports.

#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsCommon

$ErrorActionPreference = 'Stop'

$script:Kinds = @('optional_feature', 'capability')
# FeatureState numbers: 0 NotPresent, 1 UninstallPending (DisablePending), 2 Staged
# (Disabled), 3 Removed (DisabledWithPayloadRemoved), 4 Installed (Enabled),
# 5 InstallPending (EnablePending), 6 Superseded, 7 PartiallyInstalled.
$script:FeatureStates = @{
    0 = 'disabled'; 1 = 'disable_pending'; 2 = 'disabled'; 3 = 'removed'
    4 = 'enabled'; 5 = 'enable_pending'; 6 = 'enabled'; 7 = 'enable_pending'
}
$script:CapabilityStates = @{
    0 = 'not_present'; 1 = 'uninstall_pending'; 2 = 'not_present'; 3 = 'not_present'
    4 = 'installed'; 5 = 'install_pending'; 6 = 'installed'; 7 = 'install_pending'
}
# HRESULTs (as 8 hex digits) of a payload Windows could not get.
$script:SourceErrors = @{
    '800f0954' = 'Windows could not reach Windows Update (or the WSUS server it is pointed to) to download the package'
    '800f081f' = 'The source files could not be found'
    '800f0950' = 'The source files could not be found'
}

function Import-WinopsDism {
    <#
    .SYNOPSIS
    Load the DISM module (present on every Windows Server release from 2016 on).
    #>
    if ($null -eq (Get-Module -Name 'Dism')) {
        Import-Module -Name 'Dism' -ErrorAction Stop
    }
}

function ConvertTo-WinopsFeatureState {
    <#
    .SYNOPSIS
    A DISM FeatureState as the protocol's state name for the kind.
    #>
    param([Parameter(Mandatory = $true)][string]$Kind, $State)
    $number = [int]$State
    $table = $script:FeatureStates
    if ($Kind -eq 'capability') {
        $table = $script:CapabilityStates
    }
    if ($table.ContainsKey($number)) {
        return $table[$number]
    }
    return ('unknown({0})' -f $number)
}

function Get-WinopsFeatureTable {
    <#
    .SYNOPSIS
    Every optional feature or capability the running OS offers: name -> state, case-insensitive.
    #>
    param([Parameter(Mandatory = $true)][string]$Kind)
    Import-WinopsDism
    $table = New-Object -TypeName 'System.Collections.Hashtable' -ArgumentList ([System.StringComparer]::OrdinalIgnoreCase)
    if ($Kind -eq 'capability') {
        foreach ($item in @(Get-WindowsCapability -Online -ErrorAction Stop)) {
            $table[[string]$item.Name] = @{ name = [string]$item.Name; state = (ConvertTo-WinopsFeatureState -Kind $Kind -State $item.State) }
        }
    }
    else {
        foreach ($item in @(Get-WindowsOptionalFeature -Online -ErrorAction Stop)) {
            $table[[string]$item.FeatureName] = @{ name = [string]$item.FeatureName; state = (ConvertTo-WinopsFeatureState -Kind $Kind -State $item.State) }
        }
    }
    return $table
}

function Get-WinopsFeatureKind {
    <#
    .SYNOPSIS
    Read and check the 'kind' argument.
    #>
    param([Parameter(Mandatory = $true)][hashtable]$Arguments, [Parameter(Mandatory = $true)][string]$Op)
    $kind = Get-WinopsArg -Arguments $Arguments -Name 'kind' -Required
    if ($script:Kinds -cnotcontains $kind) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("{0}: 'kind' must be one of {1}" -f $Op, ($script:Kinds -join ', ')))
    }
    return $kind
}

function Get-WinopsOsText {
    <#
    .SYNOPSIS
    The running OS as a message names it: caption and build.
    #>
    $os = Get-CimInstance -ClassName 'Win32_OperatingSystem' -Property 'Caption', 'BuildNumber'
    return ('{0} (build {1})' -f ([string]$os.Caption).Trim(), $os.BuildNumber)
}

function Get-WinopsFeature {
    <#
    .SYNOPSIS
    feature.get: the state of each named optional feature or capability ('unknown' when not offered).
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('kind', 'names')
    $kind = Get-WinopsFeatureKind -Arguments $Arguments -Op 'feature.get'
    $names = Get-WinopsArg -Arguments $Arguments -Name 'names' -Type 'list' -Required
    foreach ($name in $names) {
        if ($name -isnot [string]) {
            throw (New-WinopsError -Code 'invalid_argument' -Message "feature.get: 'names' must be a list of strings")
        }
    }
    $table = Get-WinopsFeatureTable -Kind $kind
    $states = [ordered]@{}
    foreach ($name in $names) {
        $state = 'unknown'
        if ($table.ContainsKey($name)) {
            $state = $table[$name].state
        }
        $states[$name] = $state
    }
    return @{ changed = $false; kind = $kind; features = $states }
}

function Get-WinopsSourceError {
    <#
    .SYNOPSIS
    A not_found error for DISM's "source files could not be found" failures; $null for others.
    #>
    param([Parameter(Mandatory = $true)][System.Exception]$Exception, [string]$Cmdlet, [string]$Name, [string]$Source)
    $ex = Get-WinopsInnerException -Exception $Exception
    $hex = '{0:x8}' -f $ex.HResult
    $reason = $null
    if ($script:SourceErrors.ContainsKey($hex)) {
        $reason = $script:SourceErrors[$hex]
    }
    else {
        foreach ($candidate in $script:SourceErrors.Keys) {
            if ($ex.Message.IndexOf(('0x{0}' -f $candidate), [System.StringComparison]::OrdinalIgnoreCase) -ge 0) {
                $hex = $candidate
                $reason = $script:SourceErrors[$candidate]
            }
        }
    }
    if ($null -eq $reason) {
        return $null
    }
    if ([string]::IsNullOrEmpty($Source)) {
        $advice = "give a Features on Demand source (a local path or UNC share holding the package) with source, which also stops Windows from contacting Windows Update"
    }
    else {
        $advice = "'{0}' does not hold a package that matches this Windows build" -f $Source
    }
    $message = "{0} failed. Error code = 0x{1}: {2} for '{3}': {4}. ({5})" -f $Cmdlet, $hex, $reason, $Name, $advice, $ex.Message.Trim()
    return (New-WinopsError -Code 'not_found' -Message $message)
}

function Set-WinopsFeature {
    <#
    .SYNOPSIS
    feature.set: enable/disable an optional feature or install/remove a capability.
    .DESCRIPTION
    Never restarts: a change Windows completes at the next boot stays *_pending and
    restart_needed is true. With 'source', the payload comes from that path only
    (-Source plus -LimitAccess, so Windows Update is not contacted).
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('kind', 'name', 'state', 'source')
    $kind = Get-WinopsFeatureKind -Arguments $Arguments -Op 'feature.set'
    $name = Get-WinopsArg -Arguments $Arguments -Name 'name' -Required
    $wanted = Get-WinopsArg -Arguments $Arguments -Name 'state' -Required
    $choices = @('enabled', 'disabled')
    if ($kind -eq 'capability') {
        $choices = @('installed', 'absent')
    }
    if ($choices -cnotcontains $wanted) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("feature.set: 'state' of {0} must be one of {1}" -f $kind, ($choices -join ', ')))
    }
    $source = Get-WinopsArg -Arguments $Arguments -Name 'source'
    if ($null -ne $source) {
        $source = Resolve-WinopsPath -Path $source -What 'source'
    }

    $table = Get-WinopsFeatureTable -Kind $kind
    if (-not $table.ContainsKey($name)) {
        $what = 'optional feature'
        if ($kind -eq 'capability') {
            $what = 'capability'
        }
        throw (New-WinopsError -Code 'not_found' -Message ("feature.set: {0} does not offer the {1} '{2}'" -f (Get-WinopsOsText), $what, $name))
    }
    $storedName = $table[$name].name
    $before = $table[$name].state
    $done = @{
        enabled = @('enabled', 'enable_pending')
        disabled = @('disabled', 'disable_pending', 'removed')
        installed = @('installed', 'install_pending')
        absent = @('not_present', 'uninstall_pending')
    }
    $changed = $done[$wanted] -notcontains $before
    $after = $before
    $restart = $false
    if ($changed) {
        $after = @{ enabled = 'enabled'; disabled = 'disabled'; installed = 'installed'; absent = 'not_present' }[$wanted]
    }
    if ($changed -and -not $CheckMode) {
        if ($null -ne $source -and -not (Test-Path -LiteralPath $source -PathType Container)) {
            $missing = New-Object -TypeName System.Exception -ArgumentList ('0x800f081f: {0} does not exist' -f $source)
            throw (Get-WinopsSourceError -Exception $missing -Cmdlet 'feature.set' -Name $storedName -Source $source)
        }
        $params = @{ Online = $true; ErrorAction = 'Stop' }
        $cmdlet = ''
        if ($kind -eq 'capability') {
            $params['Name'] = $storedName
            if ($wanted -eq 'installed') {
                $cmdlet = 'Add-WindowsCapability'
            }
            else {
                $cmdlet = 'Remove-WindowsCapability'
            }
        }
        else {
            $params['FeatureName'] = $storedName
            $params['NoRestart'] = $true
            if ($wanted -eq 'enabled') {
                $cmdlet = 'Enable-WindowsOptionalFeature'
                $params['All'] = $true
            }
            else {
                $cmdlet = 'Disable-WindowsOptionalFeature'
            }
        }
        if ($null -ne $source -and ($wanted -eq 'installed' -or $wanted -eq 'enabled')) {
            $params['Source'] = $source
            $params['LimitAccess'] = $true
        }
        try {
            $outcome = & $cmdlet @params
        }
        catch {
            $sourceError = Get-WinopsSourceError -Exception $_.Exception -Cmdlet $cmdlet -Name $storedName -Source $source
            if ($null -ne $sourceError) {
                throw $sourceError
            }
            throw
        }
        foreach ($item in @($outcome)) {
            if ($null -ne $item -and [bool]$item.RestartNeeded) {
                $restart = $true
            }
        }
        $now = Get-WinopsFeatureTable -Kind $kind
        if ($now.ContainsKey($storedName)) {
            $after = $now[$storedName].state
        }
    }
    if ($after.EndsWith('_pending')) {
        $restart = $true
    }
    if ($changed -and $CheckMode) {
        # Whether Windows wants a restart is known only once it has done the change.
        $restart = $null
    }
    return @{ changed = $changed; name = $storedName; before = $before; after = $after; restart_needed = $restart }
}

Export-ModuleMember -Function @(
    'Get-WinopsFeature',
    'Set-WinopsFeature'
)
