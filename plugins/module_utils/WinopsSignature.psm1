# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# file.signature of the winops agent (docs/agent-protocol.md): a file's Authenticode
# signature as Get-AuthenticodeSignature reports it (embedded or catalog signature,
# chain checked against the machine's trusted roots). Windows PowerShell 5.1 syntax only.

#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsCommon

$ErrorActionPreference = 'Stop'

function Get-WinopsFileSignature {
    <#
    .SYNOPSIS
    file.signature: status, signer and status message; a missing file is exists false.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('path')
    $path = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'path' -Required)
    if ([System.IO.Directory]::Exists($path)) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("file.signature: '{0}' is a directory, not a file" -f $path))
    }
    if (-not [System.IO.File]::Exists($path)) {
        return @{ changed = $false; exists = $false; status = $null; signer = $null; status_message = $null }
    }
    $signature = Get-AuthenticodeSignature -LiteralPath $path -ErrorAction Stop
    $signer = $null
    $certificate = $signature.SignerCertificate
    if ($null -ne $certificate) {
        $signer = [ordered]@{
            subject = [string]$certificate.Subject
            thumbprint = ([string]$certificate.Thumbprint).ToUpperInvariant()
            not_after = $certificate.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
        }
    }
    return @{
        changed = $false
        exists = $true
        status = [string]$signature.Status
        signer = $signer
        status_message = [string]$signature.StatusMessage
    }
}

Export-ModuleMember -Function @(
    'Get-WinopsFileSignature'
)
