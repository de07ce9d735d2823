#!powershell

# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# The winops agent: runs one batch of primitive ops and returns one JSON document,
# exactly as docs/agent-protocol.md describes. Windows PowerShell 5.1 syntax only.

#AnsibleRequires -CSharpUtil Ansible.Basic
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsCommon
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsRegistry
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsEnv
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsFiles
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsTransfer
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsSystem
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsNetwork
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsAcl
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsFeatures
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsServices
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsLsa
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsProbe
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsPortProxy
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsSignature
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsDefender

$ErrorActionPreference = 'Stop'

$spec = @{
    options = @{
        ops = @{ type = 'list'; elements = 'dict'; required = $true }
        check_mode = @{ type = 'bool'; default = $false }
    }
    supports_check_mode = $true
    # Ops carry file content, header tokens and environment values: keep the arguments
    # out of the Windows event log.
    no_log = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)

# The one op map: op name -> helper. Every helper takes -Arguments and -CheckMode and
# returns a hashtable with 'changed' and the op's result fields.
$opMap = @{
    'facts.get' = 'Get-WinopsFacts'
    'env.get' = 'Get-WinopsEnv'
    'env.set' = 'Set-WinopsEnv'
    'env.remove' = 'Remove-WinopsEnv'
    'reg.get' = 'Get-WinopsRegistry'
    'reg.set' = 'Set-WinopsRegistry'
    'reg.remove' = 'Remove-WinopsRegistry'
    'file.stat' = 'Get-WinopsFileStat'
    'file.list' = 'Get-WinopsFileList'
    'file.read' = 'Read-WinopsFile'
    'file.mkdir' = 'New-WinopsDirectory'
    'file.write' = 'Write-WinopsFile'
    'file.remove' = 'Remove-WinopsItem'
    'file.move' = 'Move-WinopsItem'
    'file.junction' = 'Set-WinopsJunction'
    'file.download' = 'Invoke-WinopsDownload'
    'file.extract' = 'Expand-WinopsArchive'
    'file.signature' = 'Get-WinopsFileSignature'
    'path.which' = 'Find-WinopsOnPath'
    'exec' = 'Invoke-WinopsExec'
    'net.get' = 'Get-WinopsNetwork'
    'net.set' = 'Set-WinopsNetwork'
    'net.probe' = 'Invoke-WinopsProbe'
    'portproxy.get' = 'Get-WinopsPortProxy'
    'portproxy.set' = 'Set-WinopsPortProxy'
    'acl.get' = 'Get-WinopsAcl'
    'acl.set' = 'Set-WinopsAcl'
    'acl.resolve' = 'Resolve-WinopsAccount'
    'feature.get' = 'Get-WinopsFeature'
    'feature.set' = 'Set-WinopsFeature'
    'service.get' = 'Get-WinopsService'
    'service.create' = 'New-WinopsService'
    'service.set' = 'Set-WinopsService'
    'service.control' = 'Invoke-WinopsServiceControl'
    'service.remove' = 'Remove-WinopsService'
    'lsa.get' = 'Get-WinopsLsaHolder'
    'lsa.grant' = 'Grant-WinopsLsaRight'
    'lsa.revoke' = 'Revoke-WinopsLsaRight'
    'defender.get' = 'Get-WinopsDefender'
    'defender.set' = 'Set-WinopsDefender'
}
$envWriteOps = @('env.set', 'env.remove')

function Get-OpEntry {
    <#
    .SYNOPSIS
    One batch entry as a hashtable of its fields ($null when it is not a dictionary).
    #>
    param($Entry)
    if ($Entry -isnot [System.Collections.IDictionary]) {
        return $null
    }
    $fields = @{}
    foreach ($key in $Entry.Keys) {
        $fields[[string]$key] = $Entry[$key]
    }
    return $fields
}

$ops = $module.Params.ops
$checkMode = [bool]$module.Params.check_mode -or $module.CheckMode

# Ansible.Basic echoes every argument back as 'invocation'; keep only the op names.
$opNames = New-Object -TypeName 'System.Collections.Generic.List[object]'
foreach ($entry in $ops) {
    $fields = Get-OpEntry -Entry $entry
    $shown = $null
    if ($null -ne $fields -and $fields['op'] -is [string]) {
        $shown = $fields['op']
    }
    $opNames.Add(@{ op = $shown })
}
$module.Result.invocation = @{ module_args = @{ ops = $opNames; check_mode = [bool]$module.Params.check_mode } }

$results = New-Object -TypeName 'System.Collections.Generic.List[object]'
$failedOp = $null
$anyChanged = $false
$envChanged = $false
$broadcast = $false

try {
    for ($index = 0; $index -lt $ops.Count; $index++) {
        $fields = Get-OpEntry -Entry $ops[$index]
        $opName = $null
        try {
            if ($null -eq $fields) {
                throw (New-WinopsError -Code 'invalid_argument' -Message 'an op must be a dictionary with op and args')
            }
            foreach ($key in $fields.Keys) {
                if ($key -ne 'op' -and $key -ne 'args') {
                    throw (New-WinopsError -Code 'invalid_argument' -Message ("unknown op field '{0}'" -f $key))
                }
            }
            $opName = $fields['op']
            if ($opName -isnot [string] -or -not $opMap.ContainsKey($opName)) {
                $opName = [string]$opName
                throw (New-WinopsError -Code 'invalid_argument' -Message ("unknown op '{0}'" -f $opName))
            }
            $opArgs = ConvertTo-WinopsArgs -Value $fields['args']
            $helper = $opMap[$opName]
            $res = & $helper -Arguments $opArgs -CheckMode $checkMode

            $out = [ordered]@{ op = $opName; changed = [bool]$res['changed'] }
            foreach ($field in $res.Keys) {
                if ($field -ne 'changed' -and $field -ne 'op') {
                    $out[$field] = $res[$field]
                }
            }
            $results.Add($out)
            if ($out.changed) {
                $anyChanged = $true
                if (-not $checkMode -and $envWriteOps -contains $opName) {
                    $envChanged = $true
                }
            }
        }
        catch {
            $info = Get-WinopsErrorInfo -Exception $_.Exception
            $failedOp = [ordered]@{ index = $index; op = $opName; code = $info.code; message = $info.message }
        }
        if ($null -ne $failedOp) {
            break
        }
    }
}
finally {
    # One broadcast per batch, after the last op, even when a later op failed.
    if ($envChanged) {
        try {
            Send-WinopsSettingChange
            $broadcast = $true
        }
        catch {
            $module.Warn(('environment changed but WM_SETTINGCHANGE could not be broadcast: {0}' -f $_.Exception.Message))
        }
    }
}

$module.Result.changed = $anyChanged
$module.Result.results = $results
$module.Result.failed_op = $failedOp
$module.Result.broadcast = $broadcast
$module.ExitJson()
