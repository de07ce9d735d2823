# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# file.download of the winops agent: HTTP(S) or a UNC share into dest, staged in a
# dest.part-* sibling, hashed with SHA-256 while it streams, verified, then moved
# into place. Windows PowerShell 5.1 syntax only.

#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsCommon
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsFiles

$ErrorActionPreference = 'Stop'

$script:MaxRedirects = 10
$script:BufferSize = 65536
# Headers HttpWebRequest manages itself; a download has no use for setting them.
$script:RefusedHeaders = @('connection', 'content-length', 'date', 'expect', 'proxy-connection', 'range', 'transfer-encoding', 'keep-alive')
# Headers that must not follow a redirect to another host.
$script:CredentialHeaders = @('authorization', 'cookie', 'proxy-authorization')

function Get-WinopsSafeUrl {
    <#
    .SYNOPSIS
    A URL for messages: scheme, host and path, without user info or query (they may hold secrets).
    #>
    param([Parameter(Mandatory = $true)][System.Uri]$Uri)
    return '{0}://{1}{2}' -f $Uri.Scheme, $Uri.Authority, $Uri.AbsolutePath
}

function New-WinopsProxy {
    <#
    .SYNOPSIS
    The proxy for a download: the given URL (user info becomes its credentials) or the system proxy.
    #>
    param([string]$Proxy)
    if ([string]::IsNullOrEmpty($Proxy)) {
        $system = [System.Net.WebRequest]::GetSystemWebProxy()
        $system.Credentials = [System.Net.CredentialCache]::DefaultNetworkCredentials
        return $system
    }
    $uri = $null
    if (-not [System.Uri]::TryCreate($Proxy, [System.UriKind]::Absolute, [ref]$uri) -or ($uri.Scheme -ne 'http' -and $uri.Scheme -ne 'https')) {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'proxy must be an http:// or https:// URL')
    }
    $address = '{0}://{1}' -f $uri.Scheme, $uri.Authority
    $webProxy = New-Object -TypeName System.Net.WebProxy -ArgumentList $address, $false
    $userInfo = $uri.UserInfo
    if ($userInfo -ne '') {
        $user = $userInfo
        $password = ''
        $colon = $userInfo.IndexOf(':')
        if ($colon -ge 0) {
            $user = $userInfo.Substring(0, $colon)
            $password = $userInfo.Substring($colon + 1)
        }
        $user = [System.Uri]::UnescapeDataString($user)
        $password = [System.Uri]::UnescapeDataString($password)
        $webProxy.Credentials = New-Object -TypeName System.Net.NetworkCredential -ArgumentList $user, $password
    }
    else {
        $webProxy.Credentials = [System.Net.CredentialCache]::DefaultNetworkCredentials
    }
    return $webProxy
}

function New-WinopsWebRequest {
    <#
    .SYNOPSIS
    One GET request with the caller's headers; redirects are followed by the caller.
    #>
    param(
        [Parameter(Mandatory = $true)][System.Uri]$Uri,
        [System.Collections.IDictionary]$Headers,
        [Parameter(Mandatory = $true)][System.Net.IWebProxy]$Proxy,
        [int]$TimeoutMs,
        [bool]$WithCredentials
    )
    $request = [System.Net.HttpWebRequest][System.Net.WebRequest]::Create($Uri)
    $request.Method = 'GET'
    $request.AllowAutoRedirect = $false
    $request.Timeout = $TimeoutMs
    $request.ReadWriteTimeout = $TimeoutMs
    $request.Proxy = $Proxy
    $request.UserAgent = 'winops.golang-agent'
    if ($null -eq $Headers) {
        return $request
    }
    foreach ($key in $Headers.Keys) {
        $name = [string]$key
        $lower = $name.ToLowerInvariant()
        $value = [string]$Headers[$key]
        if ($script:RefusedHeaders -contains $lower) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("header '{0}' cannot be set on a download" -f $name))
        }
        if (-not $WithCredentials -and $script:CredentialHeaders -contains $lower) {
            continue
        }
        # HttpWebRequest refuses these through Headers and wants its properties instead.
        if ($lower -eq 'user-agent') {
            $request.UserAgent = $value
        }
        elseif ($lower -eq 'accept') {
            $request.Accept = $value
        }
        elseif ($lower -eq 'referer') {
            $request.Referer = $value
        }
        elseif ($lower -eq 'content-type') {
            $request.ContentType = $value
        }
        elseif ($lower -eq 'host') {
            $request.Host = $value
        }
        elseif ($lower -eq 'if-modified-since') {
            $request.IfModifiedSince = [datetime]::Parse($value, [System.Globalization.CultureInfo]::InvariantCulture)
        }
        else {
            try {
                $request.Headers.Set($name, $value)
            }
            catch {
                # The exception text could quote the value, which may be a secret.
                throw (New-WinopsError -Code 'invalid_argument' -Message ("header '{0}' has an invalid name or value" -f $name))
            }
        }
    }
    return $request
}

function Get-WinopsHttpResponse {
    <#
    .SYNOPSIS
    GET a URL following up to 10 redirects; credentials are dropped when the host changes.
    #>
    param(
        [Parameter(Mandatory = $true)][System.Uri]$Uri,
        [System.Collections.IDictionary]$Headers,
        [Parameter(Mandatory = $true)][System.Net.IWebProxy]$Proxy,
        [int]$TimeoutMs
    )
    $current = $Uri
    for ($hop = 0; $hop -le $script:MaxRedirects; $hop++) {
        $sameHost = [string]::Equals($current.Host, $Uri.Host, [System.StringComparison]::OrdinalIgnoreCase)
        $request = New-WinopsWebRequest -Uri $current -Headers $Headers -Proxy $Proxy -TimeoutMs $TimeoutMs -WithCredentials $sameHost
        try {
            $response = [System.Net.HttpWebResponse]$request.GetResponse()
        }
        catch {
            $ex = Get-WinopsInnerException -Exception $_.Exception
            $safe = Get-WinopsSafeUrl -Uri $current
            if ($ex -is [System.Net.WebException]) {
                if ($null -ne $ex.Response) {
                    $status = [int]([System.Net.HttpWebResponse]$ex.Response).StatusCode
                    $reason = ([System.Net.HttpWebResponse]$ex.Response).StatusDescription
                    $ex.Response.Close()
                    throw (New-WinopsError -Code 'download_failed' -Message ('HTTP {0} {1} from {2}' -f $status, $reason, $safe))
                }
                if ($ex.Status -eq [System.Net.WebExceptionStatus]::Timeout) {
                    throw (New-WinopsError -Code 'timeout' -Message ('no answer from {0} within the timeout' -f $safe))
                }
                throw (New-WinopsError -Code 'download_failed' -Message ('{0} failed ({1}): {2}' -f $safe, $ex.Status, $ex.Message))
            }
            throw
        }
        $code = [int]$response.StatusCode
        if ($code -lt 300 -or $code -ge 400) {
            return $response
        }
        $location = $response.Headers['Location']
        $response.Close()
        if ([string]::IsNullOrEmpty($location) -or $code -eq 304) {
            throw (New-WinopsError -Code 'download_failed' -Message ('HTTP {0} without a usable Location from {1}' -f $code, (Get-WinopsSafeUrl -Uri $current)))
        }
        $next = New-Object -TypeName System.Uri -ArgumentList $current, $location
        if ($next.Scheme -ne 'https' -and ($next.Scheme -ne 'http' -or $current.Scheme -eq 'https')) {
            throw (New-WinopsError -Code 'download_failed' -Message ('refusing a redirect from {0} to {1}' -f (Get-WinopsSafeUrl -Uri $current), (Get-WinopsSafeUrl -Uri $next)))
        }
        $current = $next
    }
    throw (New-WinopsError -Code 'download_failed' -Message ('more than {0} redirects from {1}' -f $script:MaxRedirects, (Get-WinopsSafeUrl -Uri $Uri)))
}

function Receive-WinopsHttpFile {
    <#
    .SYNOPSIS
    Stream a URL into a new file while hashing it; return its sha256 and size.
    .DESCRIPTION
    TLS 1.2 is switched on (.NET 4.x on Server 2016 does not offer it by default). A
    body shorter than Content-Length is an interrupted transfer (download_failed); running
    past the timeout is 'timeout'.
    #>
    param(
        [Parameter(Mandatory = $true)][System.Uri]$Uri,
        [Parameter(Mandatory = $true)][string]$Path,
        [System.Collections.IDictionary]$Headers,
        [string]$Proxy,
        [double]$TimeoutSeconds
    )
    [System.Net.ServicePointManager]::SecurityProtocol = [System.Net.ServicePointManager]::SecurityProtocol -bor [System.Net.SecurityProtocolType]::Tls12
    $timeoutMs = [int][Math]::Min([Math]::Ceiling($TimeoutSeconds * 1000), [double][int]::MaxValue)
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $webProxy = New-WinopsProxy -Proxy $Proxy
    $response = Get-WinopsHttpResponse -Uri $Uri -Headers $Headers -Proxy $webProxy -TimeoutMs $timeoutMs
    $safe = Get-WinopsSafeUrl -Uri $Uri
    $total = [long]0
    $hasher = New-WinopsSha256
    try {
        $expected = $response.ContentLength
        $body = $response.GetResponseStream()
        $file = New-Object -TypeName System.IO.FileStream -ArgumentList $Path, ([System.IO.FileMode]::CreateNew), ([System.IO.FileAccess]::Write), ([System.IO.FileShare]::None), $script:BufferSize
        try {
            $buffer = New-Object -TypeName byte[] -ArgumentList $script:BufferSize
            while ($true) {
                try {
                    $read = $body.Read($buffer, 0, $buffer.Length)
                }
                catch {
                    $ex = Get-WinopsInnerException -Exception $_.Exception
                    $socket = $ex.InnerException
                    $stalled = $ex -is [System.Net.WebException] -and $ex.Status -eq [System.Net.WebExceptionStatus]::Timeout
                    if ($socket -is [System.Net.Sockets.SocketException] -and $socket.SocketErrorCode -eq [System.Net.Sockets.SocketError]::TimedOut) {
                        $stalled = $true
                    }
                    if ($stalled) {
                        throw (New-WinopsError -Code 'timeout' -Message ('the transfer from {0} stalled past the timeout' -f $safe))
                    }
                    throw (New-WinopsError -Code 'download_failed' -Message ('the transfer from {0} was interrupted after {1} bytes: {2}' -f $safe, $total, $ex.Message))
                }
                if ($read -le 0) {
                    break
                }
                $file.Write($buffer, 0, $read)
                $null = $hasher.TransformBlock($buffer, 0, $read, $null, 0)
                $total += $read
                if ($clock.Elapsed.TotalSeconds -gt $TimeoutSeconds) {
                    throw (New-WinopsError -Code 'timeout' -Message ('the transfer from {0} ran past {1} s' -f $safe, $TimeoutSeconds))
                }
            }
            $null = $hasher.TransformFinalBlock((New-Object -TypeName byte[] -ArgumentList 0), 0, 0)
            $file.Flush($true)
        }
        finally {
            $file.Dispose()
            $body.Dispose()
        }
        if ($expected -ge 0 -and $total -ne $expected) {
            throw (New-WinopsError -Code 'download_failed' -Message ('the transfer from {0} was interrupted: {1} of {2} bytes' -f $safe, $total, $expected))
        }
        $sha256 = ConvertTo-WinopsHex -Bytes ($hasher.Hash)
    }
    finally {
        $hasher.Dispose()
        $response.Close()
    }
    return @{ sha256 = $sha256; size = $total }
}

function Copy-WinopsUncFile {
    <#
    .SYNOPSIS
    Copy a file from a UNC share or a local path into a new file; return its sha256 and size.
    #>
    param([Parameter(Mandatory = $true)][string]$Source, [Parameter(Mandatory = $true)][string]$Path)
    $type = Get-WinopsItemType -Path $Source
    if ($type -eq 'absent') {
        throw (New-WinopsError -Code 'not_found' -Message ("Could not find file '{0}' (or the share cannot be reached)." -f $Source))
    }
    if ($type -ne 'file') {
        throw (New-WinopsError -Code 'access_denied' -Message ("Access to the path '{0}' is denied: it is a directory." -f $Source))
    }
    [System.IO.File]::Copy($Source, $Path, $false)
    $size = (New-Object -TypeName System.IO.FileInfo -ArgumentList $Path).Length
    return @{ sha256 = (Get-WinopsFileSha256 -Path $Path); size = $size }
}

function Invoke-WinopsDownload {
    <#
    .SYNOPSIS
    file.download: fetch a URL, UNC or local file into dest unless dest already has the sha256.
    .DESCRIPTION
    The data lands in a dest.part-* sibling first; on a checksum mismatch that file is
    deleted and the op fails with checksum_mismatch, leaving dest as it was. Without
    sha256, content equal to dest's is not moved in and changed is false.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('url', 'dest', 'sha256', 'headers', 'proxy', 'timeout')
    $url = Get-WinopsArg -Arguments $Arguments -Name 'url' -Required
    $dest = Resolve-WinopsPath -Path (Get-WinopsArg -Arguments $Arguments -Name 'dest' -Required) -What 'dest'
    $sha256 = Get-WinopsArg -Arguments $Arguments -Name 'sha256'
    if ($null -ne $sha256) {
        $sha256 = Test-WinopsSha256Text -Value $sha256
    }
    $headers = Get-WinopsArg -Arguments $Arguments -Name 'headers' -Type 'dict'
    $proxy = Get-WinopsArg -Arguments $Arguments -Name 'proxy'
    $timeout = Get-WinopsArg -Arguments $Arguments -Name 'timeout' -Type 'number' -Default 300
    if ($timeout -le 0) {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'timeout must be a positive number of seconds')
    }
    $unc = $null
    $uri = $null
    # A share and a local file (a binary built on the host) are both copied with File.Copy.
    if ($url.StartsWith('\\') -or $url.StartsWith('//') -or $url -match '^[A-Za-z]:[\\/]') {
        $unc = Resolve-WinopsPath -Path $url -What 'url'
    }
    elseif (-not [System.Uri]::TryCreate($url, [System.UriKind]::Absolute, [ref]$uri) -or ($uri.Scheme -ne 'http' -and $uri.Scheme -ne 'https')) {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'url must be an http://, https://, \\server\share\... or local C:\... location')
    }

    $destType = Get-WinopsItemType -Path $dest
    if ($destType -eq 'directory' -or $destType -eq 'junction') {
        throw (New-WinopsError -Code 'exists' -Message ("Cannot create a file when that file already exists: '{0}' is a directory." -f $dest))
    }
    $parent = Get-WinopsParentPath -Path $dest
    if ($null -eq $parent -or -not [System.IO.Directory]::Exists($parent)) {
        throw (New-WinopsError -Code 'not_found' -Message ("Could not find a part of the path '{0}'." -f $dest))
    }
    $before = $null
    if ($destType -eq 'file') {
        $before = Get-WinopsFileSha256 -Path $dest
    }
    if ($null -ne $sha256 -and $before -eq $sha256) {
        $size = (New-Object -TypeName System.IO.FileInfo -ArgumentList $dest).Length
        return @{ changed = $false; sha256 = $before; size = $size; before_sha256 = $before }
    }
    if ($CheckMode) {
        return @{ changed = $true; sha256 = $sha256; size = $null; before_sha256 = $before }
    }

    $part = '{0}.part-{1}' -f $dest, (New-WinopsTempName)
    $changed = $true
    try {
        if ($null -ne $unc) {
            $got = Copy-WinopsUncFile -Source $unc -Path $part
        }
        else {
            $got = Receive-WinopsHttpFile -Uri $uri -Path $part -Headers $headers -Proxy $proxy -TimeoutSeconds $timeout
        }
        if ($null -ne $sha256 -and $got.sha256 -ne $sha256) {
            throw (New-WinopsError -Code 'checksum_mismatch' -Message ('the download for {0} has SHA-256 {1}, expected {2}' -f $dest, $got.sha256, $sha256))
        }
        if ($got.sha256 -eq $before) {
            $changed = $false
        }
        elseif ($destType -eq 'file') {
            [System.IO.File]::Replace($part, $dest, [System.Management.Automation.Language.NullString]::Value)
        }
        else {
            [System.IO.File]::Move($part, $dest)
        }
    }
    finally {
        if ([System.IO.File]::Exists($part)) {
            [System.IO.File]::Delete($part)
        }
    }
    return @{ changed = $changed; sha256 = $got.sha256; size = $got.size; before_sha256 = $before }
}

Export-ModuleMember -Function @(
    'Invoke-WinopsDownload'
)
