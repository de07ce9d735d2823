# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# File ops of the winops agent: file.stat, file.list, file.read, file.mkdir,
# file.write, file.remove, file.move, file.junction, file.extract.
# Windows PowerShell 5.1 syntax only.
#
# Writes are staged so a failure leaves the old state: file.write goes through a
# temp sibling, file.remove renames a directory away before deleting it, and
# file.extract unpacks into a sibling staging directory that is moved into place.

#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsCommon

$ErrorActionPreference = 'Stop'

function Get-WinopsItemType {
    <#
    .SYNOPSIS
    What is at a path: 'absent', 'file', 'directory' or 'junction' (a directory reparse point).
    #>
    param([Parameter(Mandatory = $true)][string]$Path)
    if ([System.IO.File]::Exists($Path)) {
        return 'file'
    }
    if ([System.IO.Directory]::Exists($Path)) {
        $attributes = [System.IO.File]::GetAttributes($Path)
        if (($attributes -band [System.IO.FileAttributes]::ReparsePoint) -eq [System.IO.FileAttributes]::ReparsePoint) {
            return 'junction'
        }
        return 'directory'
    }
    return 'absent'
}

function Get-WinopsJunctionTarget {
    <#
    .SYNOPSIS
    The target directory of a junction, as Windows PowerShell's FileSystem provider reads it.
    #>
    param([Parameter(Mandatory = $true)][string]$Path)
    $item = Get-Item -LiteralPath $Path -Force
    $target = $null
    foreach ($candidate in @($item.Target)) {
        if ($null -ne $candidate -and $null -eq $target) {
            $target = [string]$candidate
        }
    }
    if ($null -eq $target) {
        return $null
    }
    # Junctions store NT paths; show the Win32 form.
    if ($target.StartsWith('\??\')) {
        $target = $target.Substring(4)
    }
    if ($target.Length -gt 3) {
        $target = $target.TrimEnd('\')
    }
    return $target
}

function Format-WinopsTime {
    <#
    .SYNOPSIS
    A UTC time as ISO 8601 with microseconds ('2024-05-01T12:00:00.123456Z').
    #>
    param([datetime]$Time)
    return $Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
}

function Assert-WinopsParentExists {
    <#
    .SYNOPSIS
    Fail with not_found unless the parent directory of a path exists.
    #>
    param([Parameter(Mandatory = $true)][string]$Path)
    $parent = Get-WinopsParentPath -Path $Path
    if ($null -eq $parent -or -not [System.IO.Directory]::Exists($parent)) {
        throw (New-WinopsError -Code 'not_found' -Message ("the parent directory of '{0}' does not exist" -f $Path))
    }
    return $parent
}

function Clear-WinopsReadOnly {
    <#
    .SYNOPSIS
    Drop the read-only attribute (the Go module cache marks its files read-only).
    #>
    param([Parameter(Mandatory = $true)][System.IO.FileSystemInfo]$Item)
    if (($Item.Attributes -band [System.IO.FileAttributes]::ReadOnly) -eq [System.IO.FileAttributes]::ReadOnly) {
        $Item.Attributes = $Item.Attributes -bxor [System.IO.FileAttributes]::ReadOnly
    }
}

function Remove-WinopsTree {
    <#
    .SYNOPSIS
    Delete a directory tree without following junctions, read-only files included.
    .DESCRIPTION
    Iterative (no recursion limit); a junction inside the tree is unlinked, its target kept.
    #>
    param([Parameter(Mandatory = $true)][string]$Path)
    $pending = New-Object -TypeName 'System.Collections.Generic.Stack[string]'
    $directories = New-Object -TypeName 'System.Collections.Generic.List[string]'
    $pending.Push($Path)
    while ($pending.Count -gt 0) {
        $current = $pending.Pop()
        $directories.Add($current)
        $info = New-Object -TypeName System.IO.DirectoryInfo -ArgumentList $current
        foreach ($item in $info.GetFileSystemInfos()) {
            Clear-WinopsReadOnly -Item $item
            $isLink = ($item.Attributes -band [System.IO.FileAttributes]::ReparsePoint) -eq [System.IO.FileAttributes]::ReparsePoint
            if ($item -is [System.IO.DirectoryInfo]) {
                if ($isLink) {
                    [System.IO.Directory]::Delete($item.FullName, $false)
                }
                else {
                    $pending.Push($item.FullName)
                }
            }
            else {
                $item.Delete()
            }
        }
    }
    # Children were listed after their parents: delete in reverse order.
    for ($i = $directories.Count - 1; $i -ge 0; $i--) {
        $dir = New-Object -TypeName System.IO.DirectoryInfo -ArgumentList $directories[$i]
        Clear-WinopsReadOnly -Item $dir
        $dir.Delete($false)
    }
}

function Get-WinopsFileStat {
    <#
    .SYNOPSIS
    file.stat: exists, type, size, mtime, sha256 (files, when asked) and target (junctions).
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('path', 'checksum')
    $path = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'path' -Required)
    $checksum = Get-WinopsArg -Arguments $Arguments -Name 'checksum' -Type 'bool' -Default $false
    $type = Get-WinopsItemType -Path $path
    if ($type -eq 'absent') {
        return @{ changed = $false; exists = $false }
    }
    $result = [ordered]@{
        changed = $false
        exists = $true
        type = $type
        size = $null
        mtime = $null
        sha256 = $null
        target = $null
    }
    if ($type -eq 'file') {
        $info = New-Object -TypeName System.IO.FileInfo -ArgumentList $path
        $result.size = $info.Length
        $result.mtime = Format-WinopsTime -Time $info.LastWriteTimeUtc
        if ($checksum) {
            $result.sha256 = Get-WinopsFileSha256 -Path $path
        }
    }
    else {
        $info = New-Object -TypeName System.IO.DirectoryInfo -ArgumentList $path
        $result.mtime = Format-WinopsTime -Time $info.LastWriteTimeUtc
        if ($type -eq 'junction') {
            $result.target = Get-WinopsJunctionTarget -Path $path
        }
    }
    return $result
}

function Get-WinopsFileList {
    <#
    .SYNOPSIS
    file.list: the entries of a directory, sorted by name case-insensitively.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('path')
    $path = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'path' -Required)
    $type = Get-WinopsItemType -Path $path
    $entries = New-Object -TypeName 'System.Collections.Generic.List[object]'
    if ($type -eq 'absent') {
        return @{ changed = $false; exists = $false; entries = $entries }
    }
    if ($type -eq 'file') {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("'{0}' is a file, not a directory" -f $path))
    }
    $info = New-Object -TypeName System.IO.DirectoryInfo -ArgumentList $path
    $items = $info.GetFileSystemInfos()
    $names = New-Object -TypeName 'string[]' -ArgumentList $items.Length
    for ($i = 0; $i -lt $items.Length; $i++) {
        $names[$i] = $items[$i].Name
    }
    [System.Array]::Sort($names, $items, [System.StringComparer]::OrdinalIgnoreCase)
    foreach ($item in $items) {
        $entry = [ordered]@{ name = $item.Name; type = 'file'; size = $null; target = $null }
        if ($item -is [System.IO.DirectoryInfo]) {
            $entry.type = 'directory'
            if (($item.Attributes -band [System.IO.FileAttributes]::ReparsePoint) -eq [System.IO.FileAttributes]::ReparsePoint) {
                $entry.type = 'junction'
                $entry.target = Get-WinopsJunctionTarget -Path $item.FullName
            }
        }
        else {
            $entry.size = $item.Length
        }
        $entries.Add($entry)
    }
    return @{ changed = $false; exists = $true; entries = $entries }
}

function Read-WinopsFile {
    <#
    .SYNOPSIS
    file.read: up to max_bytes of a file as base64; 'truncated' says whether more remained.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('path', 'max_bytes')
    $path = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'path' -Required)
    $maxBytes = Get-WinopsArg -Arguments $Arguments -Name 'max_bytes' -Type 'int' -Default 1048576
    if ($maxBytes -lt 0 -or $maxBytes -gt [int]::MaxValue) {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'max_bytes must be from 0 to 2147483647')
    }
    $type = Get-WinopsItemType -Path $path
    if ($type -eq 'absent') {
        return @{ changed = $false; exists = $false }
    }
    if ($type -ne 'file') {
        # What FileStream says for a directory.
        throw (New-WinopsError -Code 'access_denied' -Message ("Access to the path '{0}' is denied." -f $path))
    }
    $share = [System.IO.FileShare]'ReadWrite, Delete'
    $stream = [System.IO.File]::Open($path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, $share)
    try {
        $size = $stream.Length
        $want = [int][Math]::Min([long]$maxBytes, $size)
        $buffer = New-Object -TypeName byte[] -ArgumentList $want
        $total = 0
        while ($total -lt $want) {
            $read = $stream.Read($buffer, $total, $want - $total)
            if ($read -le 0) {
                break
            }
            $total += $read
        }
    }
    finally {
        $stream.Dispose()
    }
    return @{
        changed = $false
        exists = $true
        size = $size
        content_b64 = [System.Convert]::ToBase64String($buffer, 0, $total)
        truncated = $size -gt $total
    }
}

function New-WinopsDirectory {
    <#
    .SYNOPSIS
    file.mkdir: create a directory and its parents; before/after are 'absent' or 'directory'.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('path')
    $path = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'path' -Required)
    $type = Get-WinopsItemType -Path $path
    if ($type -eq 'file') {
        throw (New-WinopsError -Code 'exists' -Message ("'{0}' is a file" -f $path))
    }
    if ($type -ne 'absent') {
        return @{ changed = $false; before = 'directory'; after = 'directory' }
    }
    if ($CheckMode) {
        # Directory.CreateDirectory needs the deepest existing ancestor to be a directory.
        $ancestor = Get-WinopsParentPath -Path $path
        while ($null -ne $ancestor -and (Get-WinopsItemType -Path $ancestor) -eq 'absent') {
            $ancestor = Get-WinopsParentPath -Path $ancestor
        }
        if ($null -eq $ancestor) {
            throw (New-WinopsError -Code 'not_found' -Message ("Could not find a part of the path '{0}'." -f $path))
        }
        if ((Get-WinopsItemType -Path $ancestor) -eq 'file') {
            throw (New-WinopsError -Code 'exists' -Message ("Cannot create '{0}' because a file with the same name already exists." -f $ancestor))
        }
    }
    else {
        $null = [System.IO.Directory]::CreateDirectory($path)
    }
    return @{ changed = $true; before = 'absent'; after = 'directory' }
}

function Write-WinopsFile {
    <#
    .SYNOPSIS
    file.write: replace a file's content through a temp sibling (compare-and-set on its hash).
    .DESCRIPTION
    expected_sha256, when sent, must be the current content's hash (null: the file must be
    absent), else conflict. The new content is flushed to disk in a temp file in the same
    directory, then swapped in with File.Replace (or File.Move for a new file).
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('path', 'content_b64', 'expected_sha256')
    $path = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'path' -Required)
    $encoded = Get-WinopsArg -Arguments $Arguments -Name 'content_b64' -Required
    try {
        $bytes = [System.Convert]::FromBase64String($encoded)
    }
    catch {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'content_b64 is not valid base64')
    }
    $type = Get-WinopsItemType -Path $path
    if ($type -eq 'directory' -or $type -eq 'junction') {
        throw (New-WinopsError -Code 'access_denied' -Message ("Access to the path '{0}' is denied: it is a directory." -f $path))
    }
    $parent = Assert-WinopsParentExists -Path $path
    $before = $null
    if ($type -eq 'file') {
        $before = Get-WinopsFileSha256 -Path $path
    }
    if ($Arguments.ContainsKey('expected_sha256')) {
        $expected = $Arguments['expected_sha256']
        $matched = $null -eq $before
        if ($null -ne $expected) {
            $expected = Test-WinopsSha256Text -Value ([string]$expected) -What 'expected_sha256'
            $matched = $expected -eq $before
        }
        if (-not $matched) {
            throw (New-WinopsError -Code 'conflict' -Message ("'{0}' does not have the expected content; read it again" -f $path))
        }
    }
    $hasher = New-WinopsSha256
    try {
        $after = ConvertTo-WinopsHex -Bytes ($hasher.ComputeHash($bytes))
    }
    finally {
        $hasher.Dispose()
    }
    $changed = $before -ne $after
    if ($changed -and -not $CheckMode) {
        $temp = [System.IO.Path]::Combine($parent, ('.winops-{0}.tmp' -f (New-WinopsTempName)))
        try {
            $stream = New-Object -TypeName System.IO.FileStream -ArgumentList $temp, ([System.IO.FileMode]::CreateNew), ([System.IO.FileAccess]::Write), ([System.IO.FileShare]::None)
            try {
                $stream.Write($bytes, 0, $bytes.Length)
                $stream.Flush($true)
            }
            finally {
                $stream.Dispose()
            }
            if ($type -eq 'file') {
                [System.IO.File]::Replace($temp, $path, [System.Management.Automation.Language.NullString]::Value)
            }
            else {
                [System.IO.File]::Move($temp, $path)
            }
        }
        finally {
            if ([System.IO.File]::Exists($temp)) {
                [System.IO.File]::Delete($temp)
            }
        }
    }
    return @{ changed = $changed; before_sha256 = $before; after_sha256 = $after }
}

function Remove-WinopsItem {
    <#
    .SYNOPSIS
    file.remove: delete a file, a junction (the link only) or a directory with its contents.
    .DESCRIPTION
    A directory is first renamed to a hidden sibling, so nothing half-deleted stays at the
    path; when deleting the renamed tree then fails (a running program keeps a file), the
    op still succeeds (the path is gone) and 'leftover' names what remains.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('path')
    $path = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'path' -Required)
    $type = Get-WinopsItemType -Path $path
    if ($type -eq 'absent') {
        return @{ changed = $false; before = 'absent'; after = 'absent' }
    }
    $parent = Get-WinopsParentPath -Path $path
    if ($null -eq $parent) {
        throw (New-WinopsError -Code 'access_denied' -Message ("Access to the path '{0}' is denied: it is a root." -f $path))
    }
    $result = @{ changed = $true; before = $type; after = 'absent' }
    if ($CheckMode) {
        return $result
    }
    if ($type -eq 'file') {
        $info = New-Object -TypeName System.IO.FileInfo -ArgumentList $path
        $wasReadOnly = $info.IsReadOnly
        Clear-WinopsReadOnly -Item $info
        try {
            $info.Delete()
        }
        catch {
            if ($wasReadOnly) {
                $info.IsReadOnly = $true
            }
            throw
        }
    }
    elseif ($type -eq 'junction') {
        # Without recursion this removes the link and never touches the target's content.
        [System.IO.Directory]::Delete($path, $false)
    }
    else {
        $aside = [System.IO.Path]::Combine($parent, ('.winops-del-{0}' -f (New-WinopsTempName)))
        [System.IO.Directory]::Move($path, $aside)
        try {
            Remove-WinopsTree -Path $aside
        }
        catch {
            $result.leftover = $aside
        }
    }
    return $result
}

function Move-WinopsItem {
    <#
    .SYNOPSIS
    file.move: move a file or directory, optionally verifying a file's SHA-256 first.
    .DESCRIPTION
    On a hash mismatch src is deleted (a file that failed verification must not be used)
    and the op fails with checksum_mismatch. replace: true lets a file overwrite a file;
    nothing else is replaced. A move to the same path in another case renames the item.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('src', 'dest', 'sha256', 'replace')
    $src = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'src' -Required) -What 'src'
    $dest = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'dest' -Required) -What 'dest'
    $sha256 = Get-WinopsArg -Arguments $Arguments -Name 'sha256'
    if ($null -ne $sha256) {
        $sha256 = Test-WinopsSha256Text -Value $sha256
    }
    $replace = Get-WinopsArg -Arguments $Arguments -Name 'replace' -Type 'bool' -Default $false
    $srcType = Get-WinopsItemType -Path $src
    if ($srcType -eq 'absent') {
        throw (New-WinopsError -Code 'not_found' -Message ("Could not find '{0}'." -f $src))
    }
    $actual = $null
    if ($srcType -eq 'file') {
        $actual = Get-WinopsFileSha256 -Path $src
    }
    if ($null -ne $sha256) {
        if ($srcType -ne 'file') {
            throw (New-WinopsError -Code 'invalid_argument' -Message 'file.move: sha256 applies to files only')
        }
        if ($actual -ne $sha256) {
            if (-not $CheckMode) {
                [System.IO.File]::Delete($src)
            }
            throw (New-WinopsError -Code 'checksum_mismatch' -Message ("'{0}' has SHA-256 {1}, expected {2}; the file was deleted" -f $src, $actual, $sha256))
        }
    }
    $same = Test-WinopsSamePath -Left $src -Right $dest
    $destType = 'absent'
    if (-not $same) {
        $destType = Get-WinopsItemType -Path $dest
    }
    if ($destType -ne 'absent' -and -not ($replace -and $srcType -eq 'file' -and $destType -eq 'file')) {
        throw (New-WinopsError -Code 'exists' -Message ("Cannot create '{0}' because a file or directory with the same name already exists." -f $dest))
    }
    $parent = Assert-WinopsParentExists -Path $dest
    $sameVolume = [string]::Equals([System.IO.Path]::GetPathRoot($src), [System.IO.Path]::GetPathRoot($dest), [System.StringComparison]::OrdinalIgnoreCase)
    if ($srcType -ne 'file') {
        if (-not $sameVolume) {
            throw (New-WinopsError -Code 'error' -Message 'Source and destination path must have identical roots. Move will not work across volumes.')
        }
        if (-not $same -and $dest.StartsWith($src.TrimEnd('\') + '\', [System.StringComparison]::OrdinalIgnoreCase)) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("Cannot move '{0}' into its own subdirectory '{1}'." -f $src, $dest))
        }
    }
    if (-not $CheckMode) {
        if ($srcType -ne 'file') {
            if ($same) {
                # Directory.Move refuses names that differ only in case: go through a temp name.
                $aside = [System.IO.Path]::Combine($parent, ('.winops-mv-{0}' -f (New-WinopsTempName)))
                [System.IO.Directory]::Move($src, $aside)
                [System.IO.Directory]::Move($aside, $dest)
            }
            else {
                [System.IO.Directory]::Move($src, $dest)
            }
        }
        elseif ($destType -eq 'absent') {
            [System.IO.File]::Move($src, $dest)
        }
        elseif ($sameVolume) {
            [System.IO.File]::Replace($src, $dest, [System.Management.Automation.Language.NullString]::Value)
        }
        else {
            # ReplaceFile works within a volume: copy next to dest first.
            $temp = [System.IO.Path]::Combine($parent, ('.winops-{0}.tmp' -f (New-WinopsTempName)))
            try {
                [System.IO.File]::Copy($src, $temp, $false)
                [System.IO.File]::Replace($temp, $dest, [System.Management.Automation.Language.NullString]::Value)
            }
            finally {
                if ([System.IO.File]::Exists($temp)) {
                    [System.IO.File]::Delete($temp)
                }
            }
            [System.IO.File]::Delete($src)
        }
    }
    return @{ changed = $true; before = $destType; after = $srcType; sha256 = $actual }
}

function New-WinopsJunctionLink {
    <#
    .SYNOPSIS
    Create a junction with cmd.exe's mklink /J, its exit code checked.
    #>
    param([Parameter(Mandatory = $true)][string]$Path, [Parameter(Mandatory = $true)][string]$Target)
    $cmd = [System.IO.Path]::Combine([System.Environment]::GetFolderPath('System'), 'cmd.exe')
    # /d skips AutoRun commands; the paths were validated, so they hold no quote.
    $line = '/d /c mklink /J "{0}" "{1}"' -f $Path, $Target
    $run = Invoke-WinopsProcess -FilePath $cmd -ArgumentLine $line -TimeoutSeconds 60
    if ($run.rc -ne 0) {
        $said = ($run.stderr + ' ' + $run.stdout).Trim()
        throw (New-WinopsError -Code 'error' -Message ("mklink /J '{0}' failed (exit code {1}): {2}" -f $Path, $run.rc, $said))
    }
}

function Set-WinopsJunction {
    <#
    .SYNOPSIS
    file.junction: point a junction at an existing directory; retarget an existing junction.
    .DESCRIPTION
    Anything else at the path is refused with 'exists'. Retargeting removes the link and
    creates it again; if creating fails the old link is put back.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('path', 'target')
    $path = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'path' -Required)
    $target = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'target' -Required) -What 'target'
    if ($path.StartsWith('\\') -or $target.StartsWith('\\')) {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'Local NTFS volumes are required: junctions cannot live on or point to UNC paths.')
    }
    if ($path.Contains('%') -or $target.Contains('%')) {
        # cmd.exe would expand %NAME% inside the paths.
        throw (New-WinopsError -Code 'invalid_argument' -Message 'junction paths must not contain %')
    }
    $targetType = Get-WinopsItemType -Path $target
    if ($targetType -eq 'absent') {
        throw (New-WinopsError -Code 'not_found' -Message ("The junction target '{0}' does not exist." -f $target))
    }
    if ($targetType -eq 'file') {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("The junction target '{0}' is a file, not a directory." -f $target))
    }
    $type = Get-WinopsItemType -Path $path
    $before = $null
    if ($type -eq 'junction') {
        $before = Get-WinopsJunctionTarget -Path $path
        if (Test-WinopsSamePath -Left $before -Right $target) {
            return @{ changed = $false; before = $before; after = $before }
        }
    }
    elseif ($type -ne 'absent') {
        throw (New-WinopsError -Code 'exists' -Message ("Cannot create a file when that file already exists: '{0}' is a {1}, not a junction." -f $path, $type))
    }
    $null = Assert-WinopsParentExists -Path $path
    if (-not $CheckMode) {
        if ($type -eq 'junction') {
            [System.IO.Directory]::Delete($path, $false)
        }
        try {
            New-WinopsJunctionLink -Path $path -Target $target
        }
        catch {
            $failure = $_
            if ($null -ne $before -and -not [System.IO.Directory]::Exists($path)) {
                try {
                    New-WinopsJunctionLink -Path $path -Target $before
                }
                catch {
                    $null = $_
                }
            }
            throw $failure
        }
    }
    return @{ changed = $true; before = $before; after = $target }
}

function Get-WinopsZipEntryPath {
    <#
    .SYNOPSIS
    The relative path of a zip entry after strip_components; $null when stripped away.
    Entries that are rooted or use '..' would escape the destination and are refused.
    #>
    param([Parameter(Mandatory = $true)][string]$FullName, [int]$Strip)
    $name = $FullName.Replace('/', '\')
    $parts = New-Object -TypeName 'System.Collections.Generic.List[string]'
    $escapes = $name.StartsWith('\') -or $name -match '^[A-Za-z]:'
    foreach ($part in $name.Split('\')) {
        if ($part -eq '' -or $part -eq '.') {
            continue
        }
        if ($part -eq '..') {
            $escapes = $true
        }
        $parts.Add($part)
    }
    if ($escapes) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("zip entry '{0}' would escape the destination" -f $FullName))
    }
    if ($parts.Count -le $Strip) {
        return $null
    }
    return [string]::Join('\', $parts.GetRange($Strip, $parts.Count - $Strip).ToArray())
}

function Get-WinopsZipPlan {
    <#
    .SYNOPSIS
    Check every entry of an open zip before anything is written.
    .DESCRIPTION
    Returns the entries to write as @{ entry; relative; directory } and the number of files.
    Each final path must pass the Windows path rules (so too_long and bad names fail here).
    #>
    param(
        [Parameter(Mandatory = $true)]$Zip,
        [Parameter(Mandatory = $true)][string]$Destination,
        [int]$Strip
    )
    $plan = New-Object -TypeName 'System.Collections.Generic.List[object]'
    $files = 0
    foreach ($entry in $Zip.Entries) {
        $relative = Get-WinopsZipEntryPath -FullName $entry.FullName -Strip $Strip
        if ($null -eq $relative) {
            continue
        }
        $null = Resolve-WinopsPath -Path ($Destination + '\' + $relative) -What ("zip entry '{0}'" -f $entry.FullName)
        $isDirectory = $entry.FullName.EndsWith('/') -or $entry.FullName.EndsWith('\')
        if (-not $isDirectory) {
            $files++
        }
        $plan.Add(@{ entry = $entry; relative = $relative; directory = $isDirectory })
    }
    return @{ plan = $plan; files = $files }
}

function Expand-WinopsZipToStaging {
    <#
    .SYNOPSIS
    Write a checked zip plan into a new staging directory, every target kept inside it.
    #>
    param(
        [Parameter(Mandatory = $true)][System.Collections.Generic.List[object]]$Plan,
        [Parameter(Mandatory = $true)][string]$Staging
    )
    $null = [System.IO.Directory]::CreateDirectory($Staging)
    $root = $Staging.TrimEnd('\') + '\'
    foreach ($item in $Plan) {
        $target = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($Staging, $item.relative))
        if (-not $target.StartsWith($root, [System.StringComparison]::OrdinalIgnoreCase)) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("zip entry '{0}' would escape the destination" -f $item.entry.FullName))
        }
        if ($item.directory) {
            $null = [System.IO.Directory]::CreateDirectory($target)
            continue
        }
        $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($target))
        # No overwrite: two entries whose names differ only in case fail with 'exists'.
        [System.IO.Compression.ZipFileExtensions]::ExtractToFile($item.entry, $target, $false)
    }
}

function Read-WinopsFirstLine {
    <#
    .SYNOPSIS
    The first line of a stream's text (UTF-8, BOM dropped), trailing white space trimmed.
    Reads at most 4096 bytes.
    #>
    param([Parameter(Mandatory = $true)][System.IO.Stream]$Stream)
    $buffer = New-Object -TypeName byte[] -ArgumentList 4096
    $total = 0
    while ($total -lt $buffer.Length) {
        $read = $Stream.Read($buffer, $total, $buffer.Length - $total)
        if ($read -le 0) {
            break
        }
        $total += $read
    }
    $text = (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $false).GetString($buffer, 0, $total)
    $text = $text.TrimStart([char]0xFEFF)
    $end = $text.IndexOfAny([char[]]"`r`n")
    if ($end -ge 0) {
        $text = $text.Substring(0, $end)
    }
    return $text.TrimEnd()
}

function Get-WinopsExpectedLine {
    <#
    .SYNOPSIS
    Check file.extract's optional expect_first_line argument: @{ path; line } or $null.
    .DESCRIPTION
    path is relative to dest (after strip_components): no root, no drive, no '..'.
    #>
    param([hashtable]$Arguments, [Parameter(Mandatory = $true)][string]$Destination)
    $value = Get-WinopsArg -Arguments $Arguments -Name 'expect_first_line' -Type 'dict'
    if ($null -eq $value) {
        return $null
    }
    $fields = ConvertTo-WinopsArgs -Value $value
    Assert-WinopsArgs -Arguments $fields -Allowed @('path', 'line')
    $relative = Get-WinopsArg -Arguments $fields -Name 'path' -Required
    $line = Get-WinopsArg -Arguments $fields -Name 'line' -Required
    $relative = $relative.Replace('/', '\')
    $parts = $relative.Split('\')
    if ($relative.StartsWith('\') -or $relative -match '^[A-Za-z]:' -or $parts -contains '..' -or $parts -contains '.' -or $parts -contains '') {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("expect_first_line: path '{0}' must be relative to dest, without '.' or '..'" -f $relative))
    }
    $null = Resolve-WinopsPath -Path ($Destination + '\' + $relative) -What 'expect_first_line path'
    return @{ path = $relative; line = $line }
}

function Assert-WinopsFirstLine {
    <#
    .SYNOPSIS
    Fail with checksum_mismatch unless a file's first line is the expected one.
    .DESCRIPTION
    Stream is $null when the file is missing (also a mismatch).
    #>
    param($Stream, [Parameter(Mandatory = $true)][hashtable]$Expected, [Parameter(Mandatory = $true)][string]$Where)
    $found = $null
    if ($null -ne $Stream) {
        $found = Read-WinopsFirstLine -Stream $Stream
    }
    if ($found -cne $Expected.line) {
        $said = 'the file is missing'
        if ($null -ne $found) {
            $said = "its first line is '{0}'" -f $found
        }
        throw (New-WinopsError -Code 'checksum_mismatch' -Message ("{0}: expected '{1}' as the first line of '{2}', but {3}; nothing was extracted" -f $Where, $Expected.line, $Expected.path, $said))
    }
}

function Assert-WinopsFirstLineOfFile {
    <#
    .SYNOPSIS
    Assert-WinopsFirstLine for a file on disk (missing or a directory counts as missing).
    #>
    param([Parameter(Mandatory = $true)][string]$Path, [Parameter(Mandatory = $true)][hashtable]$Expected, [Parameter(Mandatory = $true)][string]$Where)
    $stream = $null
    if ([System.IO.File]::Exists($Path)) {
        $stream = [System.IO.File]::Open($Path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, [System.IO.FileShare]::ReadWrite)
    }
    try {
        Assert-WinopsFirstLine -Stream $stream -Expected $Expected -Where $Where
    }
    finally {
        if ($null -ne $stream) {
            $stream.Dispose()
        }
    }
}

function Assert-WinopsFirstLineOfPlan {
    <#
    .SYNOPSIS
    Assert-WinopsFirstLine for the zip entry a checked plan would write at the expected path.
    #>
    param([Parameter(Mandatory = $true)][System.Collections.Generic.List[object]]$Plan, [Parameter(Mandatory = $true)][hashtable]$Expected, [Parameter(Mandatory = $true)][string]$Where)
    $entry = $null
    foreach ($item in $Plan) {
        if (-not $item.directory -and [string]::Equals($item.relative, $Expected.path, [System.StringComparison]::OrdinalIgnoreCase)) {
            $entry = $item.entry
        }
    }
    $stream = $null
    if ($null -ne $entry) {
        $stream = $entry.Open()
    }
    try {
        Assert-WinopsFirstLine -Stream $stream -Expected $Expected -Where $Where
    }
    finally {
        if ($null -ne $stream) {
            $stream.Dispose()
        }
    }
}

function Expand-WinopsArchive {
    <#
    .SYNOPSIS
    file.extract: unpack a .zip into dest through a sibling dest.staging-* directory.
    .DESCRIPTION
    An existing dest is taken as a complete earlier extract and left alone (files: null).
    Every entry is checked before anything is written; missing parents of dest are created.
    In check mode nothing is written and files is the count the zip would give.
    expect_first_line (@{ path; line }): the first line of that file must be line, checked
    in the staging directory before the move into place (in check mode: in the zip; for an
    existing dest: in dest); otherwise checksum_mismatch and the staging is removed.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('src', 'dest', 'strip_components', 'expect_first_line')
    $src = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'src' -Required) -What 'src'
    $dest = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'dest' -Required) -What 'dest'
    $strip = Get-WinopsArg -Arguments $Arguments -Name 'strip_components' -Type 'int' -Default 0
    if ($strip -lt 0 -or $strip -gt 100) {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'strip_components must be from 0 to 100')
    }
    $expected = Get-WinopsExpectedLine -Arguments $Arguments -Destination $dest
    $destType = Get-WinopsItemType -Path $dest
    if ($destType -eq 'file') {
        throw (New-WinopsError -Code 'exists' -Message ("'{0}' exists and is not a directory" -f $dest))
    }
    if ($destType -ne 'absent') {
        if ($null -ne $expected) {
            Assert-WinopsFirstLineOfFile -Path ($dest + '\' + $expected.path) -Expected $expected -Where $dest
        }
        return @{ changed = $false; before = 'directory'; after = 'directory'; files = $null }
    }
    $srcType = Get-WinopsItemType -Path $src
    if ($srcType -eq 'absent') {
        throw (New-WinopsError -Code 'not_found' -Message ("Could not find file '{0}'." -f $src))
    }
    if ($srcType -ne 'file') {
        throw (New-WinopsError -Code 'access_denied' -Message ("Access to the path '{0}' is denied." -f $src))
    }
    $parent = Get-WinopsParentPath -Path $dest
    if ($null -eq $parent) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("dest '{0}' must not be a root" -f $dest))
    }
    Add-Type -AssemblyName 'System.IO.Compression'
    Add-Type -AssemblyName 'System.IO.Compression.FileSystem'
    $zip = [System.IO.Compression.ZipFile]::OpenRead($src)
    try {
        $checked = Get-WinopsZipPlan -Zip $zip -Destination $dest -Strip $strip
        if ($CheckMode) {
            if ($null -ne $expected) {
                Assert-WinopsFirstLineOfPlan -Plan $checked.plan -Expected $expected -Where $src
            }
            return @{ changed = $true; before = 'absent'; after = 'directory'; files = $checked.files }
        }
        $null = [System.IO.Directory]::CreateDirectory($parent)
        $staging = [System.IO.Path]::Combine($parent, ('{0}.staging-{1}' -f [System.IO.Path]::GetFileName($dest), (New-WinopsTempName)))
        $moved = $false
        try {
            Expand-WinopsZipToStaging -Plan $checked.plan -Staging $staging
            if ($null -ne $expected) {
                Assert-WinopsFirstLineOfFile -Path ($staging + '\' + $expected.path) -Expected $expected -Where $src
            }
            [System.IO.Directory]::Move($staging, $dest)
            $moved = $true
        }
        finally {
            if (-not $moved -and [System.IO.Directory]::Exists($staging)) {
                try {
                    Remove-WinopsTree -Path $staging
                }
                catch {
                    $null = $_
                }
            }
        }
    }
    finally {
        $zip.Dispose()
    }
    return @{ changed = $true; before = 'absent'; after = 'directory'; files = $checked.files }
}

Export-ModuleMember -Function @(
    'Get-WinopsItemType',
    'Get-WinopsFileStat',
    'Get-WinopsFileList',
    'Read-WinopsFile',
    'New-WinopsDirectory',
    'Write-WinopsFile',
    'Remove-WinopsItem',
    'Move-WinopsItem',
    'Set-WinopsJunction',
    'Expand-WinopsArchive'
)
