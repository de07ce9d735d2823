# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Environment ops of the winops agent: env.get, env.set, env.remove, path.which,
# and the WM_SETTINGCHANGE broadcast. Windows PowerShell 5.1 syntax only.
#
# Variables are read from and written to the registry keys Windows builds new
# environments from, never the agent's own process environment, and values are
# never expanded on read.

#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsCommon
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsRegistry

$ErrorActionPreference = 'Stop'

$script:EnvKeys = @{
    machine = 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager\Environment'
    user = 'HKCU:\Environment'
}
# The documented limit of one environment variable's value, in characters.
$script:MaxEnvValue = 32767
# A %NAME% reference, which makes a value REG_EXPAND_SZ when no type is given.
$script:ReferencePattern = '%[^%;=\\\s][^%;=\\]*%'
# How long a hung top-level window may hold up the broadcast, in milliseconds.
$script:BroadcastTimeoutMs = 5000

function Get-WinopsEnvScope {
    <#
    .SYNOPSIS
    Read and check the scope argument; return the registry path of its environment key.
    #>
    param([hashtable]$Arguments)
    $scope = Get-WinopsArg -Arguments $Arguments -Name 'scope' -Required
    if (-not $script:EnvKeys.ContainsKey($scope)) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("scope must be 'machine' or 'user', not '{0}'" -f $scope))
    }
    return $script:EnvKeys[$scope.ToLowerInvariant()]
}

function Test-WinopsEnvName {
    <#
    .SYNOPSIS
    Check an environment variable name: not empty, no '=' and no NUL.
    #>
    param([AllowEmptyString()][string]$Name)
    if ([string]::IsNullOrEmpty($Name) -or $Name.IndexOf('=') -ge 0 -or $Name.IndexOf([char]0) -ge 0) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("'{0}' is not a valid environment variable name" -f $Name))
    }
}

function Get-WinopsEnvCurrent {
    <#
    .SYNOPSIS
    The stored name and {value, type} of one variable of a scope, or $null.
    #>
    param([string]$KeyPath, [string]$Name)
    $key = Open-WinopsRegistryKey -Path $KeyPath
    try {
        $found = Get-WinopsRegistryValueOrNull -Key $key -Name $Name
    }
    finally {
        if ($null -ne $key) {
            $key.Dispose()
        }
    }
    if ($null -eq $found) {
        return $null
    }
    return @{ name = $found.name; data = [ordered]@{ value = $found.data.value; type = $found.data.type } }
}

function Assert-WinopsEnvExpected {
    <#
    .SYNOPSIS
    Compare-and-set guard: fail with conflict unless the variable still holds 'expected'.
    .DESCRIPTION
    Only applies when the caller sent 'expected'; null there means the variable must be absent.
    Values are compared exactly (ordinal), as stored, unexpanded.
    #>
    param([hashtable]$Arguments, $Current, [string]$Name)
    if (-not $Arguments.ContainsKey('expected')) {
        return
    }
    $expected = $Arguments['expected']
    if ($expected -is [System.Collections.IDictionary]) {
        # An earlier env.get record {value, type} is accepted as well.
        $record = $expected
        $expected = $null
        foreach ($field in $record.Keys) {
            if ($field -eq 'value') {
                $expected = $record[$field]
            }
        }
    }
    if ($null -ne $expected -and $expected -isnot [string]) {
        throw (New-WinopsError -Code 'invalid_argument' -Message "argument 'expected' must be a string or null")
    }
    $matched = $false
    if ($null -eq $expected) {
        $matched = $null -eq $Current
    }
    elseif ($null -ne $Current) {
        $matched = [string]::Equals([string]$Current.data.value, $expected, [System.StringComparison]::Ordinal)
    }
    if (-not $matched) {
        throw (New-WinopsError -Code 'conflict' -Message ("environment variable '{0}' is not in the expected state; read it again" -f $Name))
    }
}

function Get-WinopsEnv {
    <#
    .SYNOPSIS
    env.get: {stored name: {value, type}} for the names that exist (all when names is omitted).
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('scope', 'names')
    $keyPath = Get-WinopsEnvScope -Arguments $Arguments
    $names = Get-WinopsArg -Arguments $Arguments -Name 'names' -Type 'list'
    $vars = @{}
    $key = Open-WinopsRegistryKey -Path $keyPath
    if ($null -eq $key) {
        return @{ changed = $false; vars = $vars }
    }
    try {
        $stored = $key.GetValueNames()
        $wanted = $stored
        if ($null -ne $names) {
            $wanted = New-Object -TypeName 'System.Collections.Generic.List[string]'
            foreach ($name in $names) {
                if ($name -isnot [string]) {
                    throw (New-WinopsError -Code 'invalid_argument' -Message "argument 'names' must be a list of strings")
                }
                $match = Find-WinopsName -Names $stored -Name $name
                if ($null -ne $match) {
                    $wanted.Add($match)
                }
            }
        }
        foreach ($name in $wanted) {
            if ($name -eq '') {
                # The key's default value is not a variable.
                continue
            }
            $data = Read-WinopsRegistryValue -Key $key -Name $name
            $vars[$name] = [ordered]@{ value = $data.value; type = $data.type }
        }
    }
    finally {
        $key.Dispose()
    }
    return @{ changed = $false; vars = $vars }
}

function Set-WinopsEnv {
    <#
    .SYNOPSIS
    env.set: compare-and-set one variable of a scope.
    .DESCRIPTION
    Without 'type', a value with a %NAME% reference is REG_EXPAND_SZ; otherwise the
    existing variable keeps its type, and a new one is REG_SZ. A differently-cased
    name updates the stored variable and keeps its stored case.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('scope', 'name', 'value', 'type', 'expected')
    $keyPath = Get-WinopsEnvScope -Arguments $Arguments
    $name = Get-WinopsArg -Arguments $Arguments -Name 'name' -Required
    Test-WinopsEnvName -Name $name
    $value = Get-WinopsArg -Arguments $Arguments -Name 'value' -Required
    $type = Get-WinopsArg -Arguments $Arguments -Name 'type'
    if ($null -ne $type -and $type -ne 'REG_SZ' -and $type -ne 'REG_EXPAND_SZ') {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("type must be REG_SZ or REG_EXPAND_SZ, not '{0}'" -f $type))
    }
    if ($value.IndexOf([char]0) -ge 0) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("the value of '{0}' contains a NUL character" -f $name))
    }
    if ($value.Length -gt $script:MaxEnvValue) {
        throw (New-WinopsError -Code 'too_long' -Message ("the value of '{0}' is {1} characters; Windows allows {2}" -f $name, $value.Length, $script:MaxEnvValue))
    }

    $current = Get-WinopsEnvCurrent -KeyPath $keyPath -Name $name
    Assert-WinopsEnvExpected -Arguments $Arguments -Current $current -Name $name

    if ($null -eq $type) {
        if ($value -match $script:ReferencePattern) {
            $type = 'REG_EXPAND_SZ'
        }
        elseif ($null -ne $current -and $current.data.type -eq 'REG_EXPAND_SZ') {
            $type = 'REG_EXPAND_SZ'
        }
        else {
            $type = 'REG_SZ'
        }
    }
    $type = $type.ToUpperInvariant()
    $before = $null
    $storedName = $name
    $changed = $true
    if ($null -ne $current) {
        $before = $current.data
        $storedName = $current.name
        $changed = -not ([string]::Equals([string]$before.value, $value, [System.StringComparison]::Ordinal) -and $before.type -eq $type)
    }
    $after = [ordered]@{ value = $value; type = $type }

    if ($changed -and -not $CheckMode) {
        $kind = [Microsoft.Win32.RegistryValueKind]::String
        if ($type -eq 'REG_EXPAND_SZ') {
            $kind = [Microsoft.Win32.RegistryValueKind]::ExpandString
        }
        $key = Open-WinopsRegistryKey -Path $keyPath -Create
        try {
            $key.SetValue($storedName, $value, $kind)
        }
        finally {
            $key.Dispose()
        }
    }
    return @{ changed = $changed; before = $before; after = $after }
}

function Remove-WinopsEnv {
    <#
    .SYNOPSIS
    env.remove: delete one variable of a scope (compare-and-set with 'expected').
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('scope', 'name', 'expected')
    $keyPath = Get-WinopsEnvScope -Arguments $Arguments
    $name = Get-WinopsArg -Arguments $Arguments -Name 'name' -Required
    Test-WinopsEnvName -Name $name
    $current = Get-WinopsEnvCurrent -KeyPath $keyPath -Name $name
    Assert-WinopsEnvExpected -Arguments $Arguments -Current $current -Name $name
    if ($null -eq $current) {
        return @{ changed = $false; before = $null; after = $null }
    }
    if (-not $CheckMode) {
        $key = Open-WinopsRegistryKey -Path $keyPath -Writable
        try {
            $key.DeleteValue($current.name, $false)
        }
        finally {
            $key.Dispose()
        }
    }
    return @{ changed = $true; before = $current.data; after = $null }
}

function Send-WinopsSettingChange {
    <#
    .SYNOPSIS
    Broadcast WM_SETTINGCHANGE ("Environment") so Explorer and other listeners reload it.
    #>
    if ($null -eq ('WinopsGolang.NativeMethods' -as [type])) {
        Add-Type -Namespace 'WinopsGolang' -Name 'NativeMethods' -MemberDefinition @'
[DllImport("user32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
public static extern IntPtr SendMessageTimeout(
    IntPtr hWnd, uint Msg, UIntPtr wParam, string lParam,
    uint fuFlags, uint uTimeout, out UIntPtr lpdwResult);
'@
    }
    $hwndBroadcast = [IntPtr]0xFFFF
    $wmSettingChange = [uint32]0x001A
    $smtoAbortIfHung = [uint32]0x0002
    $result = [UIntPtr]::Zero
    $null = [WinopsGolang.NativeMethods]::SendMessageTimeout(
        $hwndBroadcast, $wmSettingChange, [UIntPtr]::Zero, 'Environment',
        $smtoAbortIfHung, [uint32]$script:BroadcastTimeoutMs, [ref]$result)
}

function Read-WinopsSmallText {
    <#
    .SYNOPSIS
    The text of a small file (at most 1 MiB, UTF-8), or $null when it cannot be read.
    #>
    param([string]$Path)
    try {
        if (-not [System.IO.File]::Exists($Path)) {
            return $null
        }
        $share = [System.IO.FileShare]'ReadWrite, Delete'
        $stream = [System.IO.File]::Open($Path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, $share)
        try {
            $reader = New-Object -TypeName System.IO.StreamReader -ArgumentList $stream, ([System.Text.Encoding]::UTF8), $true
            $buffer = New-Object -TypeName char[] -ArgumentList 1048576
            $count = $reader.ReadBlock($buffer, 0, $buffer.Length)
            return [string]::new($buffer, 0, $count)
        }
        finally {
            $stream.Dispose()
        }
    }
    catch {
        return $null
    }
}

function Find-WinopsOnPath {
    <#
    .SYNOPSIS
    path.which: where a program is found on the machine PATH, then the user PATH.
    .DESCRIPTION
    Each PATH entry is expanded with ExpandEnvironmentVariables; 'read' names files
    relative to the directory of each match whose text is returned (null when missing).
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('name', 'read')
    $name = Get-WinopsArg -Arguments $Arguments -Name 'name' -Required
    if ($name -eq '' -or $name -eq '.' -or $name -eq '..' -or $name.IndexOfAny([System.IO.Path]::GetInvalidFileNameChars()) -ge 0) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("'{0}' is not a file name" -f $name))
    }
    $read = Get-WinopsArg -Arguments $Arguments -Name 'read' -Type 'list'
    $relatives = New-Object -TypeName 'System.Collections.Generic.List[string]'
    if ($null -ne $read) {
        foreach ($relative in $read) {
            if ($relative -isnot [string] -or $relative -eq '' -or [System.IO.Path]::IsPathRooted($relative) -or
                $relative.IndexOfAny([System.IO.Path]::GetInvalidPathChars()) -ge 0) {
                throw (New-WinopsError -Code 'invalid_argument' -Message "argument 'read' must list relative paths")
            }
            $relatives.Add($relative)
        }
    }

    $found = New-Object -TypeName 'System.Collections.Generic.List[object]'
    foreach ($scope in @('machine', 'user')) {
        $current = Get-WinopsEnvCurrent -KeyPath $script:EnvKeys[$scope] -Name 'Path'
        if ($null -eq $current -or $null -eq $current.data.value) {
            continue
        }
        foreach ($entry in ([string]$current.data.value).Split(';')) {
            $text = $entry.Trim().Trim('"')
            if ($text -eq '') {
                continue
            }
            $dir = [System.Environment]::ExpandEnvironmentVariables($text)
            try {
                # Relative or malformed entries cannot hold the program for a service or a new shell.
                $dir = Resolve-WinopsPath -Path $dir
                $candidate = [System.IO.Path]::Combine($dir, $name)
                if (-not [System.IO.File]::Exists($candidate)) {
                    continue
                }
            }
            catch {
                # An entry with characters Windows refuses cannot hold the program.
                continue
            }
            $files = @{}
            foreach ($relative in $relatives) {
                $content = $null
                try {
                    $content = Read-WinopsSmallText -Path ([System.IO.Path]::GetFullPath([System.IO.Path]::Combine($dir, $relative)))
                }
                catch {
                    $content = $null
                }
                $files[$relative] = $content
            }
            $found.Add([ordered]@{
                    scope = $scope
                    entry = $entry
                    dir = $dir
                    path = $candidate
                    files = $files
                })
        }
    }
    return @{ changed = $false; matches = $found }
}

Export-ModuleMember -Function @(
    'Get-WinopsEnv',
    'Set-WinopsEnv',
    'Remove-WinopsEnv',
    'Send-WinopsSettingChange',
    'Find-WinopsOnPath'
)
