# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# File-system ACL ops of the winops agent: acl.get, acl.set, acl.resolve.
# Windows PowerShell 5.1 syntax only.
#
# ACLs travel by SID. acl.set writes the whole explicit DACL at once as an SDDL
# string (exact access masks: FileSystemAccessRule would add Synchronize to
# allow rules on its own) through File/Directory.SetAccessControl, which calls
# SetNamedSecurityInfo: an unprotected DACL gets the parent's inheritable ACEs
# again, a protected one keeps only the explicit ACEs (inherited ones are
# dropped, not copied). Setting an owner other than the caller needs
# SeRestorePrivilege, which the agent enables for that call (administrators
# hold it; it is enabled only while the descriptor is written).

#AnsibleRequires -CSharpUtil Ansible.Privilege
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsCommon

$ErrorActionPreference = 'Stop'

$script:AceFields = @('sid', 'name', 'type', 'rights', 'inheritance', 'propagation')
$script:InheritanceNames = @('ContainerInherit', 'ObjectInherit')
$script:PropagationNames = @('InheritOnly', 'NoPropagateInherit')
$script:TwoTo32 = [long]4294967296

function ConvertTo-WinopsAclMask {
    <#
    .SYNOPSIS
    An access mask as an unsigned 32-bit number (Get-Acl shows generic rights as negative Int32).
    #>
    param($Value, [string]$What = 'rights')
    $number = $null
    if ($Value -is [int] -or $Value -is [long] -or $Value -is [int16] -or $Value -is [byte]) {
        $number = [long]$Value
    }
    elseif (($Value -is [double] -or $Value -is [decimal]) -and [Math]::Truncate($Value) -eq $Value) {
        $number = [long]$Value
    }
    if ($null -eq $number -or $number -lt -2147483648 -or $number -ge $script:TwoTo32) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ('{0} must be a 32-bit access mask (an integer)' -f $What))
    }
    if ($number -lt 0) {
        $number = $number + $script:TwoTo32
    }
    return $number
}

function ConvertTo-WinopsAclFlagList {
    <#
    .SYNOPSIS
    Check inheritance or propagation flag names; return them in the protocol's order.
    #>
    param($Value, [string[]]$Allowed, [string]$What)
    $given = New-Object -TypeName 'System.Collections.Generic.List[string]'
    if ($null -ne $Value) {
        $items = @()
        if ($Value -is [string]) {
            $items = $Value.Split(',')
        }
        elseif ($Value -is [System.Collections.IList]) {
            $items = $Value
        }
        else {
            throw (New-WinopsError -Code 'invalid_argument' -Message ('{0} must be a list of flag names' -f $What))
        }
        foreach ($item in $items) {
            $name = ([string]$item).Trim()
            if ($name -eq '' -or $name -eq 'None') {
                continue
            }
            $found = $null
            foreach ($allowedName in $Allowed) {
                if ([string]::Equals($allowedName, $name, [System.StringComparison]::OrdinalIgnoreCase)) {
                    $found = $allowedName
                }
            }
            if ($null -eq $found) {
                throw (New-WinopsError -Code 'invalid_argument' -Message ("unknown {0} flag '{1}' (known: {2})" -f $What, $name, ($Allowed -join ', ')))
            }
            $given.Add($found)
        }
    }
    $out = New-Object -TypeName 'System.Collections.Generic.List[string]'
    foreach ($allowedName in $Allowed) {
        if ($given.Contains($allowedName)) {
            $out.Add($allowedName)
        }
    }
    return , $out.ToArray()
}

function Resolve-WinopsAccountSid {
    <#
    .SYNOPSIS
    A SID string for an account name or SID; a name that does not resolve is not_found.
    #>
    param([Parameter(Mandatory = $true)][string]$Account)
    if ($Account -match '^[Ss]-1-\d+(-\d+)*$') {
        try {
            return (New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList $Account).Value
        }
        catch {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("'{0}' is not a valid SID" -f $Account))
        }
    }
    try {
        $nt = New-Object -TypeName System.Security.Principal.NTAccount -ArgumentList $Account
        return $nt.Translate([System.Security.Principal.SecurityIdentifier]).Value
    }
    catch {
        throw (New-WinopsError -Code 'not_found' -Message ("Some or all identity references could not be translated: the account '{0}' does not exist." -f $Account))
    }
}

function Get-WinopsAccountName {
    <#
    .SYNOPSIS
    The NTAccount name of a SID, or $null when it does not translate.
    #>
    param([Parameter(Mandatory = $true)][string]$Sid)
    try {
        $id = New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList $Sid
        return $id.Translate([System.Security.Principal.NTAccount]).Value
    }
    catch {
        return $null
    }
}

function Get-WinopsAclHash {
    <#
    .SYNOPSIS
    SHA-256 of an acl.get document (owner SID, protection, ACEs by SID in order; names do not count).
    .DESCRIPTION
    The text hashed is exactly what the controller's acl.acl_hash builds:
    {"owner":SID|null,"protected":bool,"aces":[[sid,type,rights,[inheritance],[propagation],inherited],...]}
    #>
    param([Parameter(Mandatory = $true)][System.Collections.IDictionary]$Document)
    $owner = $Document['owner']
    if ($owner -is [System.Collections.IDictionary]) {
        $owner = $owner['sid']
    }
    $sb = New-Object -TypeName System.Text.StringBuilder
    if ($null -eq $owner -or [string]$owner -eq '') {
        [void]$sb.Append('{"owner":null')
    }
    else {
        [void]$sb.Append('{"owner":"').Append(([string]$owner).ToUpperInvariant()).Append('"')
    }
    $protected = 'false'
    if ($Document['protected'] -eq $true) {
        $protected = 'true'
    }
    [void]$sb.Append(',"protected":').Append($protected).Append(',"aces":[')
    $first = $true
    $aces = $Document['aces']
    if ($null -eq $aces) {
        $aces = @()
    }
    foreach ($ace in $aces) {
        if (-not $first) {
            [void]$sb.Append(',')
        }
        $first = $false
        $type = 'allow'
        if ($null -ne $ace['type']) {
            $type = [string]$ace['type']
        }
        $rights = [long]0
        if ($null -ne $ace['rights']) {
            $rights = ConvertTo-WinopsAclMask -Value $ace['rights']
        }
        $inh = ConvertTo-WinopsAclFlagList -Value $ace['inheritance'] -Allowed $script:InheritanceNames -What 'inheritance'
        $prop = ConvertTo-WinopsAclFlagList -Value $ace['propagation'] -Allowed $script:PropagationNames -What 'propagation'
        $inherited = 'false'
        if ($ace['inherited'] -eq $true) {
            $inherited = 'true'
        }
        [void]$sb.Append('["').Append(([string]$ace['sid']).ToUpperInvariant()).Append('","').Append($type).Append('",')
        [void]$sb.Append($rights.ToString([System.Globalization.CultureInfo]::InvariantCulture)).Append(',[')
        [void]$sb.Append((($inh | ForEach-Object -Process { '"' + $_ + '"' }) -join ',')).Append('],[')
        [void]$sb.Append((($prop | ForEach-Object -Process { '"' + $_ + '"' }) -join ',')).Append('],')
        [void]$sb.Append($inherited).Append(']')
    }
    [void]$sb.Append(']}')
    $bytes = [System.Text.Encoding]::UTF8.GetBytes($sb.ToString())
    $hasher = New-WinopsSha256
    try {
        $hash = $hasher.ComputeHash($bytes)
    }
    finally {
        $hasher.Dispose()
    }
    return ConvertTo-WinopsHex -Bytes $hash
}

function Get-WinopsAclItem {
    <#
    .SYNOPSIS
    Whether Path is a directory, a file, or missing ($null).
    #>
    param([Parameter(Mandatory = $true)][string]$Path)
    if ([System.IO.Directory]::Exists($Path)) {
        return 'directory'
    }
    if ([System.IO.File]::Exists($Path)) {
        return 'file'
    }
    return $null
}

function Get-WinopsAclDocument {
    <#
    .SYNOPSIS
    The acl.get document of an existing item: owner, protection, ACEs in stored order, hash.
    #>
    param([Parameter(Mandatory = $true)][string]$Path, [Parameter(Mandatory = $true)][string]$Kind)
    $sections = [System.Security.AccessControl.AccessControlSections]'Access, Owner'
    if ($Kind -eq 'directory') {
        $security = [System.IO.Directory]::GetAccessControl($Path, $sections)
    }
    else {
        $security = [System.IO.File]::GetAccessControl($Path, $sections)
    }
    $sidType = [System.Security.Principal.SecurityIdentifier]
    $ownerSid = $security.GetOwner($sidType)
    $owner = $null
    if ($null -ne $ownerSid) {
        $owner = [ordered]@{ sid = $ownerSid.Value; name = (Get-WinopsAccountName -Sid $ownerSid.Value) }
    }
    $aces = New-Object -TypeName 'System.Collections.Generic.List[object]'
    foreach ($rule in $security.GetAccessRules($true, $true, $sidType)) {
        $inh = New-Object -TypeName 'System.Collections.Generic.List[string]'
        if (($rule.InheritanceFlags -band [System.Security.AccessControl.InheritanceFlags]::ContainerInherit) -ne 0) {
            $inh.Add('ContainerInherit')
        }
        if (($rule.InheritanceFlags -band [System.Security.AccessControl.InheritanceFlags]::ObjectInherit) -ne 0) {
            $inh.Add('ObjectInherit')
        }
        $prop = New-Object -TypeName 'System.Collections.Generic.List[string]'
        if (($rule.PropagationFlags -band [System.Security.AccessControl.PropagationFlags]::InheritOnly) -ne 0) {
            $prop.Add('InheritOnly')
        }
        if (($rule.PropagationFlags -band [System.Security.AccessControl.PropagationFlags]::NoPropagateInherit) -ne 0) {
            $prop.Add('NoPropagateInherit')
        }
        $type = 'allow'
        if ($rule.AccessControlType -eq [System.Security.AccessControl.AccessControlType]::Deny) {
            $type = 'deny'
        }
        $sid = $rule.IdentityReference.Value
        $aces.Add([ordered]@{
                sid = $sid
                name = (Get-WinopsAccountName -Sid $sid)
                type = $type
                rights = (ConvertTo-WinopsAclMask -Value ([int]$rule.FileSystemRights))
                inheritance = $inh.ToArray()
                propagation = $prop.ToArray()
                inherited = [bool]$rule.IsInherited
            })
    }
    $doc = [ordered]@{
        exists = $true
        owner = $owner
        protected = [bool]$security.AreAccessRulesProtected
        aces = $aces.ToArray()
    }
    $doc['hash'] = Get-WinopsAclHash -Document $doc
    return $doc
}

function Get-WinopsAcl {
    <#
    .SYNOPSIS
    acl.get: owner, protection and ACEs of a file or directory; a missing path is exists: false.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('path')
    $path = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'path' -Required)
    $kind = Get-WinopsAclItem -Path $path
    if ($null -eq $kind) {
        return @{ changed = $false; exists = $false }
    }
    $doc = Get-WinopsAclDocument -Path $path -Kind $kind
    $out = @{ changed = $false }
    foreach ($key in $doc.Keys) {
        $out[$key] = $doc[$key]
    }
    return $out
}

function Get-WinopsDesiredAces {
    <#
    .SYNOPSIS
    The explicit ACEs of an acl.set, resolved to SIDs, merged and in canonical order.
    #>
    param($Aces)
    $merged = [ordered]@{}
    foreach ($item in $Aces) {
        if ($item -isnot [System.Collections.IDictionary]) {
            throw (New-WinopsError -Code 'invalid_argument' -Message "acl.set: 'aces' must be a list of objects")
        }
        foreach ($key in $item.Keys) {
            if ($script:AceFields -notcontains [string]$key) {
                throw (New-WinopsError -Code 'invalid_argument' -Message ("acl.set: unknown ACE field '{0}'" -f $key))
            }
        }
        $account = $item['sid']
        if ($null -eq $account -or [string]$account -eq '') {
            $account = $item['name']
        }
        if ($account -isnot [string] -or $account -eq '') {
            throw (New-WinopsError -Code 'invalid_argument' -Message "acl.set: every ACE needs a 'sid'")
        }
        $type = 'allow'
        if ($null -ne $item['type']) {
            $type = [string]$item['type']
        }
        if ($type -ne 'allow' -and $type -ne 'deny') {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("acl.set: ACE type must be allow or deny, not '{0}'" -f $type))
        }
        $rights = [long]0
        if ($null -ne $item['rights']) {
            $rights = ConvertTo-WinopsAclMask -Value $item['rights'] -What 'acl.set: rights'
        }
        $inh = ConvertTo-WinopsAclFlagList -Value $item['inheritance'] -Allowed $script:InheritanceNames -What 'inheritance'
        $prop = ConvertTo-WinopsAclFlagList -Value $item['propagation'] -Allowed $script:PropagationNames -What 'propagation'
        $sid = Resolve-WinopsAccountSid -Account $account
        $key = '{0}|{1}|{2}|{3}' -f $sid, $type, ($inh -join ','), ($prop -join ',')
        if ($merged.Contains($key)) {
            $merged[$key].rights = $merged[$key].rights -bor $rights
        }
        else {
            $merged[$key] = [ordered]@{ sid = $sid; type = $type; rights = $rights; inheritance = $inh; propagation = $prop; inherited = $false }
        }
    }
    $out = New-Object -TypeName 'System.Collections.Generic.List[object]'
    foreach ($wanted in @('deny', 'allow')) {
        foreach ($ace in $merged.Values) {
            if ($ace.type -eq $wanted -and $ace.rights -ne 0) {
                $out.Add($ace)
            }
        }
    }
    return , $out.ToArray()
}

function ConvertTo-WinopsAclSddl {
    <#
    .SYNOPSIS
    The SDDL of an owner (optional) and a DACL of explicit ACEs, protected or not.
    #>
    param($Owner, [bool]$Protected, $Aces)
    $sb = New-Object -TypeName System.Text.StringBuilder
    if ($null -ne $Owner) {
        [void]$sb.Append('O:').Append($Owner)
    }
    [void]$sb.Append('D:')
    if ($Protected) {
        [void]$sb.Append('P')
    }
    [void]$sb.Append('AI')
    foreach ($ace in $Aces) {
        $flags = ''
        if ($ace.inheritance -contains 'ObjectInherit') {
            $flags += 'OI'
        }
        if ($ace.inheritance -contains 'ContainerInherit') {
            $flags += 'CI'
        }
        if ($ace.propagation -contains 'NoPropagateInherit') {
            $flags += 'NP'
        }
        if ($ace.propagation -contains 'InheritOnly') {
            $flags += 'IO'
        }
        $letter = 'A'
        if ($ace.type -eq 'deny') {
            $letter = 'D'
        }
        [void]$sb.Append(('({0};{1};0x{2:x};;;{3})' -f $letter, $flags, [long]$ace.rights, $ace.sid))
    }
    return $sb.ToString()
}

function Test-WinopsSameAces {
    <#
    .SYNOPSIS
    True when two ACE lists hold the same ACEs (SID, type, rights, flags) in the same order.
    #>
    param($Left, $Right)
    $a = @($Left)
    $b = @($Right)
    if ($a.Count -ne $b.Count) {
        return $false
    }
    for ($i = 0; $i -lt $a.Count; $i++) {
        $same = [string]::Equals([string]$a[$i].sid, [string]$b[$i].sid, [System.StringComparison]::OrdinalIgnoreCase) -and
            $a[$i].type -eq $b[$i].type -and [long]$a[$i].rights -eq [long]$b[$i].rights -and
            (@($a[$i].inheritance) -join ',') -eq (@($b[$i].inheritance) -join ',') -and
            (@($a[$i].propagation) -join ',') -eq (@($b[$i].propagation) -join ',')
        if (-not $same) {
            return $false
        }
    }
    return $true
}

function Set-WinopsAcl {
    <#
    .SYNOPSIS
    acl.set: write the whole explicit DACL, protection and optionally the owner, at once.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('path', 'owner', 'protected', 'aces', 'expected')
    $path = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'path' -Required)
    $protected = Get-WinopsArg -Arguments $Arguments -Name 'protected' -Type 'bool' -Required
    $aceArgs = Get-WinopsArg -Arguments $Arguments -Name 'aces' -Type 'list' -Required
    $desired = Get-WinopsDesiredAces -Aces $aceArgs
    $ownerArg = Get-WinopsArg -Arguments $Arguments -Name 'owner'
    $owner = $null
    if ($null -ne $ownerArg) {
        $owner = Resolve-WinopsAccountSid -Account $ownerArg
    }
    $kind = Get-WinopsAclItem -Path $path
    if ($null -eq $kind) {
        throw (New-WinopsError -Code 'not_found' -Message ("Could not find file '{0}'." -f $path))
    }
    if ($kind -eq 'file') {
        foreach ($ace in $desired) {
            if ($ace.inheritance.Count -gt 0 -or $ace.propagation.Count -gt 0) {
                throw (New-WinopsError -Code 'invalid_argument' -Message "acl.set: a file's ACEs take no inheritance or propagation flags")
            }
        }
    }
    $before = Get-WinopsAclDocument -Path $path -Kind $kind
    if ($Arguments.ContainsKey('expected')) {
        $expected = $Arguments['expected']
        if ($expected -is [string]) {
            $expectedHash = $expected.ToLowerInvariant()
        }
        elseif ($expected -is [System.Collections.IDictionary]) {
            $expectedHash = Get-WinopsAclHash -Document $expected
        }
        else {
            throw (New-WinopsError -Code 'invalid_argument' -Message "acl.set: 'expected' must be a hash or an acl.get result")
        }
        if ($expectedHash -ne $before.hash) {
            throw (New-WinopsError -Code 'conflict' -Message ("the ACL of '{0}' changed since the caller read it (its hash is now {1})" -f $path, $before.hash))
        }
    }
    $explicitBefore = @($before.aces | Where-Object -FilterScript { -not $_.inherited })
    $ownerChanges = $null -ne $owner -and -not [string]::Equals($owner, [string]$before.owner.sid, [System.StringComparison]::OrdinalIgnoreCase)
    $changed = $ownerChanges -or ($protected -ne $before.protected) -or -not (Test-WinopsSameAces -Left $explicitBefore -Right $desired)
    if (-not $changed) {
        return @{ changed = $false; before = $before; after = $before }
    }
    if ($CheckMode) {
        # What Windows will store: the new explicit ACEs, then the inherited ones unless protected.
        # (Turning protection off brings back the parent's ACEs, known only once written.)
        $predicted = New-Object -TypeName 'System.Collections.Generic.List[object]'
        foreach ($ace in $desired) {
            $predicted.Add([ordered]@{ sid = $ace.sid; name = (Get-WinopsAccountName -Sid $ace.sid); type = $ace.type; rights = $ace.rights; inheritance = $ace.inheritance; propagation = $ace.propagation; inherited = $false })
        }
        if (-not $protected) {
            foreach ($ace in $before.aces) {
                if ($ace.inherited) {
                    $predicted.Add($ace)
                }
            }
        }
        $afterOwner = $before.owner
        if ($null -ne $owner) {
            $afterOwner = [ordered]@{ sid = $owner; name = (Get-WinopsAccountName -Sid $owner) }
        }
        $after = [ordered]@{ exists = $true; owner = $afterOwner; protected = $protected; aces = $predicted.ToArray() }
        $after['hash'] = Get-WinopsAclHash -Document $after
        return @{ changed = $true; before = $before; after = $after }
    }
    $sections = [System.Security.AccessControl.AccessControlSections]::Access
    $sddlOwner = $null
    if ($ownerChanges) {
        $sections = [System.Security.AccessControl.AccessControlSections]'Access, Owner'
        $sddlOwner = $owner
    }
    $sddl = ConvertTo-WinopsAclSddl -Owner $sddlOwner -Protected $protected -Aces $desired
    if ($kind -eq 'directory') {
        $security = New-Object -TypeName System.Security.AccessControl.DirectorySecurity
    }
    else {
        $security = New-Object -TypeName System.Security.AccessControl.FileSecurity
    }
    $security.SetSecurityDescriptorSddlForm($sddl, $sections)
    $enabler = $null
    if ($ownerChanges) {
        # Making another account the owner needs SeRestorePrivilege (held, not enabled, by admins).
        $enabler = New-Object -TypeName Ansible.Privilege.PrivilegeEnabler -ArgumentList $false, ([string[]]@('SeRestorePrivilege', 'SeTakeOwnershipPrivilege'))
    }
    try {
        if ($kind -eq 'directory') {
            [System.IO.Directory]::SetAccessControl($path, $security)
        }
        else {
            [System.IO.File]::SetAccessControl($path, $security)
        }
    }
    finally {
        if ($null -ne $enabler) {
            $enabler.Dispose()
        }
    }
    $after = Get-WinopsAclDocument -Path $path -Kind $kind
    return @{ changed = ($after.hash -ne $before.hash); before = $before; after = $after }
}

function Resolve-WinopsAccount {
    <#
    .SYNOPSIS
    acl.resolve: account names (or SIDs) to {name, sid, exists}; unknown is exists: false.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('names')
    $names = Get-WinopsArg -Arguments $Arguments -Name 'names' -Type 'list' -Required
    $out = New-Object -TypeName 'System.Collections.Generic.List[object]'
    foreach ($name in $names) {
        if ($name -isnot [string]) {
            throw (New-WinopsError -Code 'invalid_argument' -Message "acl.resolve: 'names' must be a list of strings")
        }
        $sid = $null
        $shown = $null
        $exists = $false
        try {
            $sid = Resolve-WinopsAccountSid -Account $name
            $shown = Get-WinopsAccountName -Sid $sid
            $exists = $null -ne $shown
        }
        catch {
            $sid = $null
        }
        if ($null -eq $shown) {
            $shown = $name
        }
        $out.Add([ordered]@{ name = $shown; sid = $sid; exists = $exists })
    }
    return @{ changed = $false; accounts = $out.ToArray() }
}

Export-ModuleMember -Function @(
    'Get-WinopsAcl',
    'Set-WinopsAcl',
    'Resolve-WinopsAccount',
    'Resolve-WinopsAccountSid',
    'Get-WinopsAccountName',
    'Get-WinopsAclHash'
)
