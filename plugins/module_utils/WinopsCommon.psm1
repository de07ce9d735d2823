# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# Shared helpers of the winops agent (docs/agent-protocol.md): typed errors,
# argument access, Windows path rules, hashing, hex, and running programs.
# Windows PowerShell 5.1 syntax only.

$ErrorActionPreference = 'Stop'

$script:ReservedNames = @(
    'CON', 'PRN', 'AUX', 'NUL',
    'COM1', 'COM2', 'COM3', 'COM4', 'COM5', 'COM6', 'COM7', 'COM8', 'COM9',
    'LPT1', 'LPT2', 'LPT3', 'LPT4', 'LPT5', 'LPT6', 'LPT7', 'LPT8', 'LPT9'
)
$script:InvalidPathChars = [char[]]'<>:"|?*'
$script:MaxPath = 260
# NTFS limit for one file or directory name.
$script:MaxComponent = 255

# Exceptions PowerShell wraps around the one a .NET call threw.
$script:WrapperTypes = @(
    [System.Management.Automation.MethodInvocationException],
    [System.Management.Automation.GetValueInvocationException],
    [System.Management.Automation.SetValueInvocationException],
    [System.Management.Automation.CmdletInvocationException],
    [System.Management.Automation.ActionPreferenceStopException],
    [System.Reflection.TargetInvocationException],
    [System.AggregateException]
)

function New-WinopsError {
    <#
    .SYNOPSIS
    Build an exception that carries one of the protocol's error codes; use with throw.
    #>
    param(
        [Parameter(Mandatory = $true)][string]$Code,
        [Parameter(Mandatory = $true)][string]$Message
    )
    $exception = New-Object -TypeName System.Exception -ArgumentList $Message
    $exception.Data['WinopsCode'] = $Code
    return $exception
}

function Get-WinopsInnerException {
    <#
    .SYNOPSIS
    Strip PowerShell's wrappers so the exception Windows raised is seen.
    #>
    param([Parameter(Mandatory = $true)][System.Exception]$Exception)
    $current = $Exception
    while ($null -ne $current.InnerException) {
        if ($current.Data.Contains('WinopsCode')) {
            break
        }
        $wrapped = $false
        foreach ($type in $script:WrapperTypes) {
            if ($current -is $type) {
                $wrapped = $true
            }
        }
        if (-not $wrapped) {
            break
        }
        $current = $current.InnerException
    }
    return $current
}

function Get-WinopsWin32Code {
    <#
    .SYNOPSIS
    The Win32 error code of an exception (the low word of its HRESULT, or NativeErrorCode).
    #>
    param([Parameter(Mandatory = $true)][System.Exception]$Exception)
    if ($Exception -is [System.ComponentModel.Win32Exception]) {
        return $Exception.NativeErrorCode
    }
    return ($Exception.HResult -band 0xFFFF)
}

function Get-WinopsErrorInfo {
    <#
    .SYNOPSIS
    Map an exception to the protocol's error code and a message saying what Windows said.
    #>
    param([Parameter(Mandatory = $true)][System.Exception]$Exception)
    $ex = Get-WinopsInnerException -Exception $Exception
    $message = $ex.Message
    if ($ex.Data.Contains('WinopsCode')) {
        return @{ code = [string]$ex.Data['WinopsCode']; message = $message }
    }
    $code = 'error'
    $win32 = Get-WinopsWin32Code -Exception $ex
    if ($ex -is [System.UnauthorizedAccessException] -or $ex -is [System.Security.SecurityException]) {
        $code = 'access_denied'
    }
    elseif ($ex -is [System.IO.FileNotFoundException] -or $ex -is [System.IO.DirectoryNotFoundException] -or
        $ex -is [System.IO.DriveNotFoundException] -or $ex -is [System.Management.Automation.ItemNotFoundException]) {
        $code = 'not_found'
    }
    elseif ($ex -is [System.IO.PathTooLongException]) {
        $code = 'too_long'
    }
    elseif ($ex -is [System.Net.WebException]) {
        $code = 'download_failed'
        if ($ex.Status -eq [System.Net.WebExceptionStatus]::Timeout) {
            $code = 'timeout'
        }
    }
    elseif ($ex -is [System.TimeoutException]) {
        $code = 'timeout'
    }
    elseif ($ex -is [System.IO.IOException] -or $ex -is [System.ComponentModel.Win32Exception]) {
        # ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND, ERROR_ACCESS_DENIED, sharing and lock
        # violations, disk full (plain and handle), file exists, name too long, ReplaceFile;
        # the SCM's no response in time, no such service, no such dependency.
        switch ($win32) {
            2 { $code = 'not_found' }
            3 { $code = 'not_found' }
            5 { $code = 'access_denied' }
            32 { $code = 'in_use' }
            33 { $code = 'in_use' }
            39 { $code = 'disk_full' }
            80 { $code = 'exists' }
            112 { $code = 'disk_full' }
            183 { $code = 'exists' }
            206 { $code = 'too_long' }
            1053 { $code = 'timeout' }
            1060 { $code = 'not_found' }
            1075 { $code = 'not_found' }
            1175 { $code = 'in_use' }
            1176 { $code = 'in_use' }
        }
    }
    elseif ($ex -is [System.ArgumentException] -or $ex -is [System.FormatException] -or
        $ex -is [System.InvalidCastException] -or $ex -is [System.OverflowException] -or
        $ex -is [System.NotSupportedException] -or $ex -is [System.Management.Automation.PSInvalidCastException]) {
        $code = 'invalid_argument'
    }
    return @{ code = $code; message = $message }
}

function ConvertTo-WinopsArgs {
    <#
    .SYNOPSIS
    Copy an op's args (any dictionary, or null) into a case-insensitive hashtable.
    #>
    param($Value)
    $table = @{}
    if ($null -eq $Value) {
        return $table
    }
    if ($Value -isnot [System.Collections.IDictionary]) {
        throw (New-WinopsError -Code 'invalid_argument' -Message "'args' must be a dictionary")
    }
    foreach ($key in $Value.Keys) {
        $table[[string]$key] = $Value[$key]
    }
    return $table
}

function Assert-WinopsArgs {
    <#
    .SYNOPSIS
    Refuse arguments an op does not know (a controller bug must not pass silently).
    #>
    param(
        [Parameter(Mandatory = $true)][hashtable]$Arguments,
        [string[]]$Allowed = @()
    )
    foreach ($key in $Arguments.Keys) {
        if ($Allowed -notcontains $key) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("unknown argument '{0}'" -f $key))
        }
    }
}

function Get-WinopsArg {
    <#
    .SYNOPSIS
    Read one argument with a type check; a missing or null argument gives Default.
    #>
    param(
        [Parameter(Mandatory = $true)][hashtable]$Arguments,
        [Parameter(Mandatory = $true)][string]$Name,
        [ValidateSet('str', 'bool', 'int', 'number', 'list', 'dict', 'raw')][string]$Type = 'str',
        [switch]$Required,
        $Default = $null
    )
    $value = $null
    if ($Arguments.ContainsKey($Name)) {
        $value = $Arguments[$Name]
    }
    if ($null -eq $value) {
        if ($Required) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("missing argument '{0}'" -f $Name))
        }
        return $Default
    }
    $ok = $true
    if ($Type -eq 'str') {
        $ok = $value -is [string]
    }
    elseif ($Type -eq 'bool') {
        $ok = $value -is [bool]
    }
    elseif ($Type -eq 'int') {
        $ok = $false
        if ($value -is [int] -or $value -is [long] -or $value -is [int16] -or $value -is [byte]) {
            return [long]$value
        }
        if (($value -is [decimal] -or $value -is [double]) -and [Math]::Truncate($value) -eq $value) {
            return [long]$value
        }
    }
    elseif ($Type -eq 'number') {
        $ok = $false
        if ($value -is [int] -or $value -is [long] -or $value -is [decimal] -or $value -is [double]) {
            return [double]$value
        }
    }
    elseif ($Type -eq 'list') {
        $ok = $value -is [System.Collections.IList]
        if ($ok) {
            # The comma keeps PowerShell from unrolling the list into the pipeline.
            return , $value
        }
    }
    elseif ($Type -eq 'dict') {
        $ok = $value -is [System.Collections.IDictionary]
    }
    if (-not $ok) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("argument '{0}' must be of type {1}" -f $Name, $Type))
    }
    return $value
}

function Resolve-WinopsPath {
    <#
    .SYNOPSIS
    Check an absolute Windows path against the protocol's rules; return it normalized.
    .DESCRIPTION
    / becomes \, repeated separators fold, a trailing \ goes (a drive root keeps it).
    Relative paths, . and .. components, device names, forbidden characters and
    components ending in a space or dot are invalid_argument; 260 characters or more
    is too_long (Windows PowerShell 5.1 does not opt in to long paths).
    #>
    param(
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Path,
        [string]$What = 'path'
    )
    if ([string]::IsNullOrWhiteSpace($Path)) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ('{0} must be a non-empty absolute Windows path' -f $What))
    }
    if ($Path.IndexOf([char]0) -ge 0) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ('{0} contains a NUL character' -f $What))
    }
    $p = $Path.Replace('/', '\')
    $unc = $p.StartsWith('\\')
    if ($unc) {
        $p = '\\' + [regex]::Replace($p.Substring(2), '\\{2,}', '\')
    }
    else {
        $p = [regex]::Replace($p, '\\{2,}', '\')
    }
    if ($p.Length -gt 3 -and $p.EndsWith('\')) {
        $p = $p.TrimEnd('\')
    }
    if ($p -match '^[A-Za-z]:$') {
        $p = $p + '\'
    }
    $components = New-Object -TypeName 'System.Collections.Generic.List[string]'
    if ($unc) {
        $parts = $p.Substring(2).Split('\')
        if ($parts.Length -lt 2 -or $parts[0] -eq '' -or $parts[1] -eq '' -or $parts[0] -eq '.' -or $parts[0] -eq '?') {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("{0} '{1}' is not a valid UNC path (\\server\share\...)" -f $What, $Path))
        }
        for ($i = 2; $i -lt $parts.Length; $i++) {
            $components.Add($parts[$i])
        }
    }
    elseif ($p -match '^[A-Za-z]:\\') {
        foreach ($part in $p.Substring(3).Split('\')) {
            if ($part -ne '') {
                $components.Add($part)
            }
        }
    }
    else {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("{0} '{1}' is not absolute: use a drive path (C:\...) or a UNC path" -f $What, $Path))
    }
    foreach ($component in $components) {
        if ($component -eq '.' -or $component -eq '..') {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("{0} '{1}' must not contain '.' or '..' components" -f $What, $Path))
        }
        $control = $false
        foreach ($ch in $component.ToCharArray()) {
            if ([int]$ch -lt 32) {
                $control = $true
            }
        }
        if ($control -or $component.IndexOfAny($script:InvalidPathChars) -ge 0) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("{0} '{1}' contains characters Windows forbids" -f $What, $Path))
        }
        $base = $component.Split('.')[0].TrimEnd(' ').ToUpperInvariant()
        if ($script:ReservedNames -contains $base) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("{0} '{1}' uses the reserved device name '{2}'" -f $What, $Path, $component))
        }
        if ($component.Length -gt $script:MaxComponent) {
            throw (New-WinopsError -Code 'too_long' -Message ("{0} '{1}' has a component longer than {2} characters" -f $What, $Path, $script:MaxComponent))
        }
        if ($component.EndsWith(' ') -or $component.EndsWith('.')) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("{0} '{1}' has a component ending in a space or dot, which Windows strips" -f $What, $Path))
        }
    }
    if ($p.Length -ge $script:MaxPath) {
        throw (New-WinopsError -Code 'too_long' -Message ('{0} is {1} characters; Windows paths must be shorter than {2}' -f $What, $p.Length, $script:MaxPath))
    }
    return $p
}

function Get-WinopsParentPath {
    <#
    .SYNOPSIS
    The parent directory of a normalized absolute path; $null for a root.
    #>
    param([Parameter(Mandatory = $true)][string]$Path)
    $parent = [System.IO.Path]::GetDirectoryName($Path)
    if ([string]::IsNullOrEmpty($parent)) {
        return $null
    }
    return $parent
}

function Test-WinopsSamePath {
    <#
    .SYNOPSIS
    Compare two paths as Windows does: case-insensitively, without a trailing backslash.
    #>
    param($Left, $Right)
    if ($null -eq $Left -or $null -eq $Right) {
        return ($null -eq $Left -and $null -eq $Right)
    }
    $a = ([string]$Left).Replace('/', '\').TrimEnd('\')
    $b = ([string]$Right).Replace('/', '\').TrimEnd('\')
    return [string]::Equals($a, $b, [System.StringComparison]::OrdinalIgnoreCase)
}

function New-WinopsTempName {
    <#
    .SYNOPSIS
    A short random suffix for staged files and directories.
    #>
    return [guid]::NewGuid().ToString('N').Substring(0, 8)
}

function ConvertTo-WinopsHex {
    <#
    .SYNOPSIS
    Bytes to lowercase hex without separators (REG_BINARY data, hashes).
    #>
    param([byte[]]$Bytes)
    if ($null -eq $Bytes -or $Bytes.Length -eq 0) {
        return ''
    }
    return [System.BitConverter]::ToString($Bytes).Replace('-', '').ToLowerInvariant()
}

function ConvertFrom-WinopsHex {
    <#
    .SYNOPSIS
    Hex text to bytes; anything but pairs of hex digits is invalid_argument.
    #>
    param(
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Hex,
        [string]$What = 'value'
    )
    if ($Hex -notmatch '^(?:[0-9A-Fa-f]{2})*$') {
        throw (New-WinopsError -Code 'invalid_argument' -Message ('{0} must be an even number of hex digits' -f $What))
    }
    $bytes = New-Object -TypeName byte[] -ArgumentList ($Hex.Length / 2)
    for ($i = 0; $i -lt $bytes.Length; $i++) {
        $bytes[$i] = [System.Convert]::ToByte($Hex.Substring($i * 2, 2), 16)
    }
    return , $bytes
}

function New-WinopsSha256 {
    <#
    .SYNOPSIS
    A SHA-256 hasher that also works where FIPS mode forbids the managed implementation.
    #>
    return New-Object -TypeName System.Security.Cryptography.SHA256CryptoServiceProvider
}

function Get-WinopsFileSha256 {
    <#
    .SYNOPSIS
    The lowercase hex SHA-256 of a file, read while others may keep writing or deleting it.
    #>
    param([Parameter(Mandatory = $true)][string]$Path)
    $share = [System.IO.FileShare]'ReadWrite, Delete'
    $stream = [System.IO.File]::Open($Path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, $share)
    try {
        $hasher = New-WinopsSha256
        try {
            $hash = $hasher.ComputeHash($stream)
        }
        finally {
            $hasher.Dispose()
        }
    }
    finally {
        $stream.Dispose()
    }
    return ConvertTo-WinopsHex -Bytes $hash
}

function Test-WinopsSha256Text {
    <#
    .SYNOPSIS
    Check a SHA-256 argument (64 hex digits) and return it in lowercase.
    #>
    param([Parameter(Mandatory = $true)][AllowEmptyString()][string]$Value, [string]$What = 'sha256')
    if ($Value -notmatch '^[0-9A-Fa-f]{64}$') {
        throw (New-WinopsError -Code 'invalid_argument' -Message ('{0} must be 64 hex digits' -f $What))
    }
    return $Value.ToLowerInvariant()
}

function Stop-WinopsProcessTree {
    <#
    .SYNOPSIS
    Kill a process and its children (go build leaves compilers and linkers running).
    #>
    param([Parameter(Mandatory = $true)][System.Diagnostics.Process]$Process)
    $taskkill = [System.IO.Path]::Combine([System.Environment]::GetFolderPath('System'), 'taskkill.exe')
    $psi = New-Object -TypeName System.Diagnostics.ProcessStartInfo
    $psi.FileName = $taskkill
    $psi.Arguments = '/PID {0} /T /F' -f $Process.Id
    $psi.UseShellExecute = $false
    $psi.CreateNoWindow = $true
    try {
        $killer = [System.Diagnostics.Process]::Start($psi)
        $null = $killer.WaitForExit(30000)
        # 0: killed; 128: already gone. Anything else: fall back to killing the process itself.
        if (-not $killer.HasExited -or ($killer.ExitCode -ne 0 -and $killer.ExitCode -ne 128)) {
            if (-not $Process.HasExited) {
                $Process.Kill()
            }
        }
    }
    catch {
        if (-not $Process.HasExited) {
            $Process.Kill()
        }
    }
}

function Invoke-WinopsProcess {
    <#
    .SYNOPSIS
    Run a program with redirected output and return rc, stdout and stderr.
    .DESCRIPTION
    Output is read asynchronously so a chatty program cannot fill a pipe and deadlock.
    Past the timeout the program and its children are killed and a timeout error is thrown.
    #>
    param(
        [Parameter(Mandatory = $true)][string]$FilePath,
        [AllowEmptyString()][string]$ArgumentLine = '',
        [string]$WorkingDirectory = $null,
        [System.Collections.IDictionary]$Environment = $null,
        [double]$TimeoutSeconds = 120
    )
    $psi = New-Object -TypeName System.Diagnostics.ProcessStartInfo
    $psi.FileName = $FilePath
    $psi.Arguments = $ArgumentLine
    $psi.UseShellExecute = $false
    $psi.CreateNoWindow = $true
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $utf8 = New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false
    $psi.StandardOutputEncoding = $utf8
    $psi.StandardErrorEncoding = $utf8
    if (-not [string]::IsNullOrEmpty($WorkingDirectory)) {
        $psi.WorkingDirectory = $WorkingDirectory
    }
    if ($null -ne $Environment) {
        foreach ($key in $Environment.Keys) {
            $psi.EnvironmentVariables[[string]$key] = [string]$Environment[$key]
        }
    }
    $process = New-Object -TypeName System.Diagnostics.Process
    $process.StartInfo = $psi
    try {
        $null = $process.Start()
    }
    catch {
        $info = Get-WinopsErrorInfo -Exception $_.Exception
        throw (New-WinopsError -Code $info.code -Message ('cannot start {0}: {1}' -f $FilePath, $info.message))
    }
    try {
        # The program sees end-of-file rather than waiting for input nobody sends.
        $process.StandardInput.Close()
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        $timer = [System.Diagnostics.Stopwatch]::StartNew()
        $limitMs = [long][Math]::Ceiling($TimeoutSeconds * 1000)
        $exited = $process.WaitForExit([int][Math]::Min($limitMs, [int]::MaxValue))
        $left = [int][Math]::Min([long][int]::MaxValue, [Math]::Max([long]1000, $limitMs - $timer.ElapsedMilliseconds))
        $drained = $false
        if ($exited) {
            # A grandchild may still hold the pipes open; wait for them within the same limit.
            $drained = [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]]@($stdout, $stderr), $left)
        }
        if (-not $exited -or -not $drained) {
            Stop-WinopsProcessTree -Process $process
            throw (New-WinopsError -Code 'timeout' -Message ('{0} did not finish within {1} s and was killed' -f $FilePath, $TimeoutSeconds))
        }
        return @{
            rc = $process.ExitCode
            stdout = $stdout.Result
            stderr = $stderr.Result
        }
    }
    finally {
        $process.Dispose()
    }
}

Export-ModuleMember -Function @(
    'New-WinopsError',
    'Get-WinopsInnerException',
    'Get-WinopsErrorInfo',
    'ConvertTo-WinopsArgs',
    'Assert-WinopsArgs',
    'Get-WinopsArg',
    'Resolve-WinopsPath',
    'Get-WinopsParentPath',
    'Test-WinopsSamePath',
    'New-WinopsTempName',
    'ConvertTo-WinopsHex',
    'ConvertFrom-WinopsHex',
    'New-WinopsSha256',
    'Get-WinopsFileSha256',
    'Test-WinopsSha256Text',
    'Invoke-WinopsProcess'
)
