# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Defender ops of the winops agent: defender.get and defender.set (docs/agent-protocol.md),
# the exclusion lists of Microsoft Defender Antivirus through the Defender module
# (Get-MpPreference, Add-MpPreference, Remove-MpPreference). Windows PowerShell 5.1 syntax only.
#
# Defender is "available" when its module is present and its service (WinDefend) runs:
# without the Windows-Defender feature the cmdlets do not exist, and with the service
# stopped (another antivirus took over) they fail. Exclusions are registry value names
# under Defender's key, so they compare case-insensitively. An exclusion defined by
# Group Policy shows in Get-MpPreference but Remove-MpPreference cannot take it away:
# the list is read back after a change and such a leftover is access_denied.

#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsCommon

$ErrorActionPreference = 'Stop'

$script:Kinds = @('process', 'path', 'extension')
$script:States = @('present', 'absent')
# Kind -> the MSFT_MpPreference property and the parameter of Add-/Remove-MpPreference.
$script:Properties = @{
    process = 'ExclusionProcess'
    path = 'ExclusionPath'
    extension = 'ExclusionExtension'
}
$script:MaxValue = 1024

function Get-WinopsDefenderStatus {
    <#
    .SYNOPSIS
    Whether Defender Antivirus is installed (cmdlets and WinDefend service) and running.
    #>
    $command = Get-Command -Name 'Get-MpPreference' -ErrorAction SilentlyContinue
    $service = Get-Service -Name 'WinDefend' -ErrorAction SilentlyContinue
    $installed = ($null -ne $command) -and ($null -ne $service)
    $running = $installed -and ($service.Status -eq [System.ServiceProcess.ServiceControllerStatus]::Running)
    return @{ installed = $installed; running = $running }
}

function ConvertTo-WinopsStringList {
    <#
    .SYNOPSIS
    A preference value (null, one string or an array) as a list of strings.
    #>
    param($Value)
    $list = New-Object -TypeName 'System.Collections.Generic.List[string]'
    foreach ($item in @($Value)) {
        if ($null -ne $item -and -not [string]::IsNullOrEmpty([string]$item)) {
            $list.Add([string]$item)
        }
    }
    # The comma keeps PowerShell from unrolling the list into the pipeline.
    return , $list
}

function Get-WinopsDefenderExclusions {
    <#
    .SYNOPSIS
    The three exclusion lists as Get-MpPreference shows them (local and policy merged).
    #>
    $preference = Get-MpPreference -ErrorAction Stop
    $lists = [ordered]@{}
    foreach ($kind in $script:Kinds) {
        $lists[$kind] = ConvertTo-WinopsStringList -Value $preference.($script:Properties[$kind])
    }
    return $lists
}

function Get-WinopsDefender {
    <#
    .SYNOPSIS
    defender.get: whether Defender runs, and its process, path and extension exclusions.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @()
    $status = Get-WinopsDefenderStatus
    if (-not $status.running) {
        $empty = [ordered]@{}
        foreach ($kind in $script:Kinds) {
            $empty[$kind] = ConvertTo-WinopsStringList -Value $null
        }
        return @{ changed = $false; available = $false; exclusions = $empty }
    }
    return @{ changed = $false; available = $true; exclusions = (Get-WinopsDefenderExclusions) }
}

function Find-WinopsExclusion {
    <#
    .SYNOPSIS
    The stored spelling of Value in List (case-insensitive), or $null.
    #>
    param($List, [string]$Value)
    foreach ($item in $List) {
        if ([string]::Equals($item, $Value, [System.StringComparison]::OrdinalIgnoreCase)) {
            return $item
        }
    }
    return $null
}

function Set-WinopsDefender {
    <#
    .SYNOPSIS
    defender.set: make one process, path or extension exclusion present or absent.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('kind', 'value', 'state')
    $kind = Get-WinopsArg -Arguments $Arguments -Name 'kind' -Required
    if ($script:Kinds -cnotcontains $kind) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("defender.set: 'kind' must be one of {0}" -f ($script:Kinds -join ', ')))
    }
    $value = Get-WinopsArg -Arguments $Arguments -Name 'value' -Required
    if ([string]::IsNullOrWhiteSpace($value) -or $value.Contains([string][char]0) -or $value.Length -gt $script:MaxValue) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("defender.set: 'value' must be a non-empty string of at most {0} characters without NUL" -f $script:MaxValue))
    }
    $wanted = Get-WinopsArg -Arguments $Arguments -Name 'state' -Required
    if ($script:States -cnotcontains $wanted) {
        throw (New-WinopsError -Code 'invalid_argument' -Message "defender.set: 'state' must be one of present, absent")
    }

    $status = Get-WinopsDefenderStatus
    if (-not $status.installed) {
        throw (New-WinopsError -Code 'not_found' -Message 'defender.set: Microsoft Defender Antivirus is not installed on this host (on Windows Server, the Windows-Defender feature), so there is no exclusion list to change')
    }
    if (-not $status.running) {
        throw (New-WinopsError -Code 'not_found' -Message 'defender.set: Microsoft Defender Antivirus is installed but its service (WinDefend) is not running, so its preferences cannot be changed')
    }

    $lists = Get-WinopsDefenderExclusions
    $stored = Find-WinopsExclusion -List $lists[$kind] -Value $value
    $before = $null -ne $stored
    $after = $wanted -eq 'present'
    $changed = $before -ne $after
    $shown = $value
    if ($before) {
        $shown = $stored
    }
    if ($changed -and -not $CheckMode) {
        $params = @{ ErrorAction = 'Stop'; Force = $true }
        $params[$script:Properties[$kind]] = @($shown)
        if ($after) {
            Add-MpPreference @params
        }
        else {
            Remove-MpPreference @params
        }
        $now = Get-WinopsDefenderExclusions
        $found = Find-WinopsExclusion -List $now[$kind] -Value $value
        if (($null -ne $found) -ne $after) {
            $reason = 'Defender did not record it'
            if (-not $after) {
                $reason = 'it is probably defined by Group Policy, which Remove-MpPreference cannot change'
            }
            throw (New-WinopsError -Code 'access_denied' -Message ("defender.set: the {0} exclusion '{1}' is still {2}: {3}" -f $kind, $value, @{ $true = 'absent'; $false = 'present' }[$after], $reason))
        }
    }
    return @{ changed = $changed; kind = $kind; value = $shown; before = $before; after = $after }
}

Export-ModuleMember -Function @(
    'Get-WinopsDefender',
    'Set-WinopsDefender'
)
