# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Registry ops of the winops agent: reg.get, reg.set, reg.remove, and the key and
# value helpers WinopsEnv and WinopsSystem share. Windows PowerShell 5.1 syntax only.
#
# Values travel as JSON: REG_SZ and REG_EXPAND_SZ as strings (never expanded),
# REG_MULTI_SZ as a list of strings, REG_DWORD and REG_QWORD as unsigned integers,
# REG_BINARY and REG_NONE as lowercase hex.

#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsCommon

$ErrorActionPreference = 'Stop'

# Drive and long names of the hives, as Microsoft.Win32.RegistryHive values.
$script:Hives = @{
    'HKLM' = [Microsoft.Win32.RegistryHive]::LocalMachine
    'HKEY_LOCAL_MACHINE' = [Microsoft.Win32.RegistryHive]::LocalMachine
    'HKCU' = [Microsoft.Win32.RegistryHive]::CurrentUser
    'HKEY_CURRENT_USER' = [Microsoft.Win32.RegistryHive]::CurrentUser
    'HKU' = [Microsoft.Win32.RegistryHive]::Users
    'HKEY_USERS' = [Microsoft.Win32.RegistryHive]::Users
    'HKCR' = [Microsoft.Win32.RegistryHive]::ClassesRoot
    'HKEY_CLASSES_ROOT' = [Microsoft.Win32.RegistryHive]::ClassesRoot
    'HKCC' = [Microsoft.Win32.RegistryHive]::CurrentConfig
    'HKEY_CURRENT_CONFIG' = [Microsoft.Win32.RegistryHive]::CurrentConfig
}
# Windows limits: key name length, nesting depth, value name length.
$script:MaxKeyName = 255
$script:MaxDepth = 512
$script:MaxValueName = 16383

$script:Kinds = @{
    'REG_SZ' = [Microsoft.Win32.RegistryValueKind]::String
    'REG_EXPAND_SZ' = [Microsoft.Win32.RegistryValueKind]::ExpandString
    'REG_MULTI_SZ' = [Microsoft.Win32.RegistryValueKind]::MultiString
    'REG_DWORD' = [Microsoft.Win32.RegistryValueKind]::DWord
    'REG_QWORD' = [Microsoft.Win32.RegistryValueKind]::QWord
    'REG_BINARY' = [Microsoft.Win32.RegistryValueKind]::Binary
    'REG_NONE' = [Microsoft.Win32.RegistryValueKind]::None
}

function Split-WinopsRegistryPath {
    <#
    .SYNOPSIS
    Parse HKLM:\SOFTWARE\... (or Registry::HKEY_LOCAL_MACHINE\...) into hive and subkey path.
    .DESCRIPTION
    / is part of a key name, not a separator (SCHANNEL has 'RC4 128/128'); repeated and
    trailing backslashes fold away as RegistryKey does. 'sub' is '' for the hive itself
    and 'depth' counts the key names below it.
    #>
    param([Parameter(Mandatory = $true)][AllowEmptyString()][string]$Path)
    if ($Path -eq '' -or $Path.IndexOf([char]0) -ge 0) {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'path must be a registry path such as HKLM:\SOFTWARE')
    }
    $rest = $Path
    if ($Path.StartsWith('Registry::', [System.StringComparison]::OrdinalIgnoreCase)) {
        $rest = $Path.Substring(10)
        $cut = $rest.IndexOf('\')
        $head = $rest
        if ($cut -ge 0) {
            $head = $rest.Substring(0, $cut)
        }
    }
    else {
        $cut = $rest.IndexOf('\')
        $head = $rest
        if ($cut -ge 0) {
            $head = $rest.Substring(0, $cut)
        }
        if (-not $head.EndsWith(':')) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("'{0}' is not a registry path: use HKLM:\..., HKCU:\... or HKU:\..." -f $Path))
        }
        $head = $head.Substring(0, $head.Length - 1)
    }
    if (-not $script:Hives.ContainsKey($head)) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("'{0}' is not a registry path: the hive '{1}' does not exist (use HKLM:, HKCU:, HKU:, HKCR: or HKCC:)" -f $Path, $head))
    }
    $names = New-Object -TypeName 'System.Collections.Generic.List[string]'
    if ($cut -ge 0) {
        foreach ($name in $rest.Substring($cut + 1).Split('\')) {
            if ($name -eq '') {
                continue
            }
            if ($name.Length -gt $script:MaxKeyName) {
                throw (New-WinopsError -Code 'too_long' -Message ('registry key name is {0} characters; Windows allows {1}' -f $name.Length, $script:MaxKeyName))
            }
            $names.Add($name)
        }
    }
    if ($names.Count -gt $script:MaxDepth) {
        throw (New-WinopsError -Code 'too_long' -Message ('registry path is {0} keys deep; Windows allows {1}' -f $names.Count, $script:MaxDepth))
    }
    return @{
        hive = $script:Hives[$head]
        name = $head.ToUpperInvariant()
        sub = [string]::Join('\', $names.ToArray())
        depth = $names.Count
    }
}

function Test-WinopsValueName {
    <#
    .SYNOPSIS
    Refuse a value name longer than Windows allows.
    #>
    param([AllowEmptyString()][string]$Name)
    if ($Name.Length -gt $script:MaxValueName) {
        throw (New-WinopsError -Code 'too_long' -Message ('registry value names are at most {0} characters, not {1}' -f $script:MaxValueName, $Name.Length))
    }
}

function Open-WinopsHiveKey {
    <#
    .SYNOPSIS
    Open a subkey of a hive in the native (64-bit) view; $null when it does not exist.
    #>
    param(
        [Parameter(Mandatory = $true)][Microsoft.Win32.RegistryHive]$Hive,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Sub,
        [switch]$Writable,
        [switch]$Create
    )
    # A 32-bit host would otherwise see the WOW6432Node copies of SOFTWARE keys.
    $view = [Microsoft.Win32.RegistryView]::Default
    if ([System.Environment]::Is64BitOperatingSystem) {
        $view = [Microsoft.Win32.RegistryView]::Registry64
    }
    $base = [Microsoft.Win32.RegistryKey]::OpenBaseKey($Hive, $view)
    if ($Sub -eq '') {
        return $base
    }
    try {
        if ($Create) {
            return $base.CreateSubKey($Sub, [Microsoft.Win32.RegistryKeyPermissionCheck]::ReadWriteSubTree)
        }
        return $base.OpenSubKey($Sub, [bool]$Writable)
    }
    finally {
        $base.Dispose()
    }
}

function Open-WinopsRegistryKey {
    <#
    .SYNOPSIS
    Open a key by its drive path; $null when it does not exist.
    .PARAMETER Create
    Create the key and its missing parents, opened for writing.
    #>
    param(
        [Parameter(Mandatory = $true)][string]$Path,
        [switch]$Writable,
        [switch]$Create
    )
    $parts = Split-WinopsRegistryPath -Path $Path
    return Open-WinopsHiveKey -Hive $parts.hive -Sub $parts.sub -Writable:$Writable -Create:$Create
}

function Find-WinopsName {
    <#
    .SYNOPSIS
    The stored spelling of a case-insensitive name among Names; $null when absent.
    #>
    param([string[]]$Names, [AllowEmptyString()][string]$Name)
    foreach ($candidate in $Names) {
        if ([string]::Equals($candidate, $Name, [System.StringComparison]::OrdinalIgnoreCase)) {
            return $candidate
        }
    }
    return $null
}

function ConvertTo-WinopsUnsigned {
    <#
    .SYNOPSIS
    A JSON number (or decimal string) as an unsigned integer no larger than Max.
    #>
    param($Value, [decimal]$Max, [string]$What)
    $number = $null
    if ($Value -is [string]) {
        $parsed = [decimal]0
        if ([decimal]::TryParse($Value, [System.Globalization.NumberStyles]::None, [System.Globalization.CultureInfo]::InvariantCulture, [ref]$parsed)) {
            $number = $parsed
        }
    }
    elseif ($Value -is [int] -or $Value -is [long] -or $Value -is [decimal] -or $Value -is [double] -or
        $Value -is [uint32] -or $Value -is [uint64] -or $Value -is [int16] -or $Value -is [byte]) {
        $number = [decimal]$Value
    }
    if ($null -eq $number -or $number -lt 0 -or $number -gt $Max -or [decimal]::Truncate($number) -ne $number) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ('{0} must be an integer from 0 to {1}' -f $What, $Max))
    }
    return [uint64]$number
}

function ConvertTo-WinopsRegistryData {
    <#
    .SYNOPSIS
    Check a value for a registry type; return its JSON form and the object SetValue takes.
    #>
    param(
        [Parameter(Mandatory = $true)][string]$Type,
        [AllowNull()]$Value,
        [string]$What = 'value'
    )
    if (-not $script:Kinds.ContainsKey($Type)) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("unknown registry type '{0}'" -f $Type))
    }
    $kind = $script:Kinds[$Type]
    $bad = New-WinopsError -Code 'invalid_argument' -Message ('{0} does not fit type {1}' -f $What, $Type)
    if ($Type -eq 'REG_SZ' -or $Type -eq 'REG_EXPAND_SZ') {
        if ($Value -isnot [string]) {
            throw $bad
        }
        return @{ json = $Value; data = $Value; kind = $kind }
    }
    if ($Type -eq 'REG_MULTI_SZ') {
        if ($Value -isnot [System.Collections.IList]) {
            throw $bad
        }
        $strings = New-Object -TypeName 'System.Collections.Generic.List[string]'
        foreach ($item in $Value) {
            if ($item -isnot [string]) {
                throw $bad
            }
            $strings.Add($item)
        }
        $array = $strings.ToArray()
        return @{ json = $array; data = $array; kind = $kind }
    }
    if ($Type -eq 'REG_DWORD') {
        $unsigned = [uint32](ConvertTo-WinopsUnsigned -Value $Value -Max ([decimal][uint32]::MaxValue) -What $What)
        # RegistryKey.SetValue wants the same 32 bits as a signed Int32.
        $signed = [System.BitConverter]::ToInt32([System.BitConverter]::GetBytes($unsigned), 0)
        return @{ json = $unsigned; data = $signed; kind = $kind }
    }
    if ($Type -eq 'REG_QWORD') {
        $unsigned = [uint64](ConvertTo-WinopsUnsigned -Value $Value -Max ([decimal][uint64]::MaxValue) -What $What)
        $signed = [System.BitConverter]::ToInt64([System.BitConverter]::GetBytes($unsigned), 0)
        return @{ json = $unsigned; data = $signed; kind = $kind }
    }
    if ($Value -isnot [string]) {
        throw $bad
    }
    $bytes = ConvertFrom-WinopsHex -Hex $Value -What $What
    return @{ json = $Value.ToLowerInvariant(); data = $bytes; kind = $kind }
}

function Read-WinopsRegistryValue {
    <#
    .SYNOPSIS
    One value of an open key as {type, value}, environment references left unexpanded.
    #>
    param(
        [Parameter(Mandatory = $true)][Microsoft.Win32.RegistryKey]$Key,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Name
    )
    $kind = $Key.GetValueKind($Name)
    $raw = $Key.GetValue($Name, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
    $type = 'REG_UNKNOWN'
    $value = $null
    switch ($kind.ToString()) {
        'String' {
            $type = 'REG_SZ'
            $value = [string]$raw
        }
        'ExpandString' {
            $type = 'REG_EXPAND_SZ'
            $value = [string]$raw
        }
        'MultiString' {
            $type = 'REG_MULTI_SZ'
            $value = [string[]]$raw
            if ($null -eq $value) {
                $value = [string[]]@()
            }
        }
        'DWord' {
            # GetValue returns the DWORD as a signed Int32; the protocol speaks unsigned.
            $type = 'REG_DWORD'
            $value = [System.BitConverter]::ToUInt32([System.BitConverter]::GetBytes([int]$raw), 0)
        }
        'QWord' {
            $type = 'REG_QWORD'
            $value = [System.BitConverter]::ToUInt64([System.BitConverter]::GetBytes([long]$raw), 0)
        }
        'Binary' {
            $type = 'REG_BINARY'
            $value = ConvertTo-WinopsHex -Bytes ([byte[]]$raw)
        }
        'None' {
            $type = 'REG_NONE'
            $value = ConvertTo-WinopsHex -Bytes ([byte[]]$raw)
        }
        default {
            if ($raw -is [byte[]]) {
                $value = ConvertTo-WinopsHex -Bytes $raw
            }
            elseif ($null -ne $raw) {
                $value = [string]$raw
            }
        }
    }
    return [ordered]@{ type = $type; value = $value }
}

function Get-WinopsRegistryValueOrNull {
    <#
    .SYNOPSIS
    The stored name and {type, value} of a case-insensitive value name, or $null.
    #>
    param(
        [Microsoft.Win32.RegistryKey]$Key,
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Name
    )
    if ($null -eq $Key) {
        return $null
    }
    $stored = Find-WinopsName -Names $Key.GetValueNames() -Name $Name
    if ($null -eq $stored) {
        return $null
    }
    return @{ name = $stored; data = (Read-WinopsRegistryValue -Key $Key -Name $stored) }
}

function Test-WinopsRegistryEqual {
    <#
    .SYNOPSIS
    Compare two {type, value} records in their JSON forms; $null equals only $null.
    #>
    param($Left, $Right)
    if ($null -eq $Left -or $null -eq $Right) {
        return ($null -eq $Left -and $null -eq $Right)
    }
    if ($Left['type'] -ne $Right['type']) {
        return $false
    }
    $a = $Left['value']
    $b = $Right['value']
    if ($Left['type'] -eq 'REG_MULTI_SZ') {
        if ($a.Length -ne $b.Length) {
            return $false
        }
        for ($i = 0; $i -lt $a.Length; $i++) {
            if (-not [string]::Equals([string]$a[$i], [string]$b[$i], [System.StringComparison]::Ordinal)) {
                return $false
            }
        }
        return $true
    }
    if ($Left['type'] -eq 'REG_DWORD' -or $Left['type'] -eq 'REG_QWORD') {
        return ([uint64]$a -eq [uint64]$b)
    }
    return [string]::Equals([string]$a, [string]$b, [System.StringComparison]::Ordinal)
}

function Read-WinopsKeyContent {
    <#
    .SYNOPSIS
    All values ({name: {type, value}}) and the sorted subkey names of an open key.
    #>
    param([Parameter(Mandatory = $true)][Microsoft.Win32.RegistryKey]$Key)
    $values = @{}
    foreach ($valueName in $Key.GetValueNames()) {
        $values[$valueName] = Read-WinopsRegistryValue -Key $Key -Name $valueName
    }
    $subkeys = $Key.GetSubKeyNames()
    [System.Array]::Sort($subkeys, [System.StringComparer]::OrdinalIgnoreCase)
    return @{ values = $values; subkeys = $subkeys }
}

function Get-WinopsRegistry {
    <#
    .SYNOPSIS
    reg.get: one value (name given) or the key's values and subkeys; missing is not a failure.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('path', 'name')
    $path = Get-WinopsArg -Arguments $Arguments -Name 'path' -Required
    $name = Get-WinopsArg -Arguments $Arguments -Name 'name'
    if ($null -ne $name) {
        Test-WinopsValueName -Name $name
    }
    $key = Open-WinopsRegistryKey -Path $path
    try {
        if ($null -ne $name) {
            $found = Get-WinopsRegistryValueOrNull -Key $key -Name $name
            if ($null -eq $found) {
                return @{ changed = $false; key_exists = ($null -ne $key); exists = $false; type = $null; value = $null }
            }
            return @{ changed = $false; key_exists = $true; exists = $true; type = $found.data.type; value = $found.data.value }
        }
        if ($null -eq $key) {
            return @{ changed = $false; key_exists = $false; values = @{}; subkeys = [string[]]@() }
        }
        $content = Read-WinopsKeyContent -Key $key
        return @{ changed = $false; key_exists = $true; values = $content.values; subkeys = $content.subkeys }
    }
    finally {
        if ($null -ne $key) {
            $key.Dispose()
        }
    }
}

function Assert-WinopsRegistryExpected {
    <#
    .SYNOPSIS
    Compare-and-set guard of reg.set: 'expected' is null (must be absent), {type, value}
    (type defaults to the current one) or a bare value compared with the current value.
    #>
    param([hashtable]$Arguments, $Before, [string]$Name, [string]$Path)
    if (-not $Arguments.ContainsKey('expected')) {
        return
    }
    $expected = $Arguments['expected']
    $matched = $false
    if ($null -eq $expected) {
        $matched = $null -eq $Before
    }
    else {
        $type = $null
        $value = $expected
        if ($expected -is [System.Collections.IDictionary]) {
            $hasValue = $false
            $value = $null
            foreach ($field in $expected.Keys) {
                if ($field -eq 'value') {
                    $hasValue = $true
                    $value = $expected[$field]
                }
                elseif ($field -eq 'type') {
                    $type = $expected[$field]
                }
                else {
                    throw (New-WinopsError -Code 'invalid_argument' -Message "reg.set: 'expected' must be {type, value} or null")
                }
            }
            if (-not $hasValue) {
                throw (New-WinopsError -Code 'invalid_argument' -Message "reg.set: 'expected' must be {type, value} or null")
            }
        }
        if ($null -ne $Before) {
            if ($null -eq $type) {
                $type = $Before['type']
            }
            $want = $null
            try {
                $data = ConvertTo-WinopsRegistryData -Type ([string]$type) -Value $value -What 'expected value'
                $want = [ordered]@{ type = [string]$type; value = $data.json }
            }
            catch {
                $want = $null
            }
            $matched = Test-WinopsRegistryEqual -Left $Before -Right $want
            if ($null -eq $want) {
                $matched = $false
            }
        }
    }
    if (-not $matched) {
        throw (New-WinopsError -Code 'conflict' -Message ("registry value '{0}' of {1} is not what the caller last read; read it again and retry" -f $Name, $Path))
    }
}

function Set-WinopsRegistry {
    <#
    .SYNOPSIS
    reg.set: compare-and-set one value; missing keys are created.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('path', 'name', 'type', 'value', 'expected')
    $path = Get-WinopsArg -Arguments $Arguments -Name 'path' -Required
    $name = Get-WinopsArg -Arguments $Arguments -Name 'name' -Required
    Test-WinopsValueName -Name $name
    $type = Get-WinopsArg -Arguments $Arguments -Name 'type' -Required
    if (-not $Arguments.ContainsKey('value') -or $null -eq $Arguments['value']) {
        throw (New-WinopsError -Code 'invalid_argument' -Message "missing argument 'value'")
    }
    $new = ConvertTo-WinopsRegistryData -Type $type -Value $Arguments['value']
    $after = [ordered]@{ type = $type; value = $new.json }

    $key = Open-WinopsRegistryKey -Path $path
    try {
        $current = Get-WinopsRegistryValueOrNull -Key $key -Name $name
    }
    finally {
        if ($null -ne $key) {
            $key.Dispose()
        }
    }
    $before = $null
    $storedName = $name
    if ($null -ne $current) {
        $before = $current.data
        $storedName = $current.name
    }
    Assert-WinopsRegistryExpected -Arguments $Arguments -Before $before -Name $name -Path $path

    $changed = -not (Test-WinopsRegistryEqual -Left $before -Right $after)
    if ($changed -and -not $CheckMode) {
        $writeKey = Open-WinopsRegistryKey -Path $path -Create
        try {
            $writeKey.SetValue($storedName, $new.data, $new.kind)
        }
        finally {
            $writeKey.Dispose()
        }
    }
    return @{ changed = $changed; before = $before; after = $after }
}

function Remove-WinopsRegistry {
    <#
    .SYNOPSIS
    reg.remove: one value (name given) or the whole key with its subkeys.
    .DESCRIPTION
    For a value, before is {type, value}; for a key, {values, subkeys}; null when
    absent. after is always null. A hive or a key right below HKLM/HKU is refused.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('path', 'name')
    $path = Get-WinopsArg -Arguments $Arguments -Name 'path' -Required
    $name = Get-WinopsArg -Arguments $Arguments -Name 'name'
    $parts = Split-WinopsRegistryPath -Path $path
    if ($null -ne $name) {
        Test-WinopsValueName -Name $name
        $key = Open-WinopsRegistryKey -Path $path
        try {
            $current = Get-WinopsRegistryValueOrNull -Key $key -Name $name
        }
        finally {
            if ($null -ne $key) {
                $key.Dispose()
            }
        }
        if ($null -eq $current) {
            return @{ changed = $false; before = $null; after = $null }
        }
        if (-not $CheckMode) {
            $writeKey = Open-WinopsRegistryKey -Path $path -Writable
            try {
                $writeKey.DeleteValue($current.name, $false)
            }
            finally {
                $writeKey.Dispose()
            }
        }
        return @{ changed = $true; before = $current.data; after = $null }
    }

    $topLevel = ($parts.name -eq 'HKLM' -or $parts.name -eq 'HKEY_LOCAL_MACHINE' -or
        $parts.name -eq 'HKU' -or $parts.name -eq 'HKEY_USERS')
    if ($parts.depth -eq 0 -or ($topLevel -and $parts.depth -le 1)) {
        throw (New-WinopsError -Code 'access_denied' -Message ('Cannot delete a registry hive or its top keys: {0}' -f $path))
    }
    $key = Open-WinopsRegistryKey -Path $path
    if ($null -eq $key) {
        return @{ changed = $false; before = $null; after = $null }
    }
    try {
        $before = Read-WinopsKeyContent -Key $key
    }
    finally {
        $key.Dispose()
    }
    if (-not $CheckMode) {
        $split = $parts.sub.LastIndexOf('\')
        $parentSub = ''
        $leaf = $parts.sub
        if ($split -ge 0) {
            $parentSub = $parts.sub.Substring(0, $split)
            $leaf = $parts.sub.Substring($split + 1)
        }
        $parent = Open-WinopsHiveKey -Hive $parts.hive -Sub $parentSub -Writable
        try {
            $parent.DeleteSubKeyTree($leaf, $false)
        }
        finally {
            $parent.Dispose()
        }
    }
    return @{ changed = $true; before = $before; after = $null }
}

Export-ModuleMember -Function @(
    'Open-WinopsRegistryKey',
    'Find-WinopsName',
    'Read-WinopsRegistryValue',
    'Get-WinopsRegistryValueOrNull',
    'Get-WinopsRegistry',
    'Set-WinopsRegistry',
    'Remove-WinopsRegistry'
)
