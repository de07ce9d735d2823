# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# net.probe of the winops agent (docs/agent-protocol.md): poll a TCP port and/or an
# HTTP URL until it answers or the timeout runs out, as a health check after a
# service start. Windows PowerShell 5.1 syntax only.
#
# TCP: System.Net.Sockets.TcpClient.BeginConnect, waited on for the time left, so a
# port that drops SYNs cannot hold the op past its timeout. HTTP:
# System.Net.HttpWebRequest (no Internet Explorer engine, unlike Invoke-WebRequest in
# Windows PowerShell), one GET per attempt, redirects not followed, the proxy bypassed
# for loopback and the host's own name, and the status of an error response read from
# the WebException. A failed attempt is not an op failure: the result says ok false
# and carries the last error text.

#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsCommon

$ErrorActionPreference = 'Stop'

$script:MaxSeconds = 3600
$script:Invariant = [System.Globalization.CultureInfo]::InvariantCulture

function Format-WinopsSeconds {
    <#
    .SYNOPSIS
    Seconds as the shortest invariant text, rounded to milliseconds ("2", "0.25").
    #>
    param([double]$Seconds)
    return ([Math]::Round($Seconds, 3)).ToString('0.###', $script:Invariant)
}

function Get-WinopsProbeSeconds {
    <#
    .SYNOPSIS
    A positive number of seconds, at most an hour, or the default.
    #>
    param([hashtable]$Arguments, [string]$Name, [double]$Default)
    $value = Get-WinopsArg -Arguments $Arguments -Name $Name -Type 'number' -Default $Default
    if ($value -le 0 -or $value -gt $script:MaxSeconds) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("net.probe: '{0}' must be a number of seconds above 0 and at most {1}" -f $Name, $script:MaxSeconds))
    }
    return [double]$value
}

function Test-WinopsProbeName {
    <#
    .SYNOPSIS
    Whether a host argument is a dotted IPv4 address or a DNS host name.
    #>
    param([string]$Name)
    $ipv4 = '^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$'
    $dns = '^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$'
    return ($Name -match $ipv4 -or $Name -match $dns)
}

function Test-WinopsLoopbackName {
    <#
    .SYNOPSIS
    Whether a URL host is this machine (loopback names and addresses, or its own name).
    #>
    param([string]$Name)
    $bare = $Name.Trim([char[]]@('[', ']'))
    if ($bare -eq 'localhost' -or $bare -eq '::1' -or $bare.StartsWith('127.')) {
        return $true
    }
    return [string]::Equals($bare, [System.Environment]::MachineName, [System.StringComparison]::OrdinalIgnoreCase)
}

function Get-WinopsProbeArgs {
    <#
    .SYNOPSIS
    The probe's arguments, checked, with defaults filled in.
    #>
    param([Parameter(Mandatory = $true)][hashtable]$Arguments)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('tcp_port', 'http_url', 'host', 'timeout', 'interval', 'expect_status')
    $port = $null
    if ($Arguments.ContainsKey('tcp_port') -and $null -ne $Arguments['tcp_port']) {
        $raw = $Arguments['tcp_port']
        if (-not ($raw -is [int] -or $raw -is [long]) -or [long]$raw -lt 1 -or [long]$raw -gt 65535) {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("net.probe: 'tcp_port' must be a port number from 1 to 65535, not '{0}'" -f $raw))
        }
        $port = [int]$raw
    }
    $url = Get-WinopsArg -Arguments $Arguments -Name 'http_url'
    if ($null -eq $port -and $null -eq $url) {
        throw (New-WinopsError -Code 'invalid_argument' -Message 'net.probe: give tcp_port, http_url or both')
    }
    $uri = $null
    if ($null -ne $url) {
        if (-not [System.Uri]::TryCreate($url, [System.UriKind]::Absolute, [ref]$uri) -or ($uri.Scheme -ne 'http' -and $uri.Scheme -ne 'https') -or $uri.Host -eq '') {
            throw (New-WinopsError -Code 'invalid_argument' -Message ("net.probe: http_url must be an http:// or https:// URL, not '{0}'" -f $url))
        }
    }
    $hostName = Get-WinopsArg -Arguments $Arguments -Name 'host' -Default '127.0.0.1'
    if (-not (Test-WinopsProbeName -Name $hostName)) {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("net.probe: 'host' must be an IPv4 address or a host name, not '{0}'" -f $hostName))
    }
    $expect = $null
    if ($Arguments.ContainsKey('expect_status') -and $null -ne $Arguments['expect_status']) {
        $list = $Arguments['expect_status']
        $good = ($list -is [System.Collections.IList]) -and $list.Count -gt 0
        if ($good) {
            foreach ($code in $list) {
                if (-not ($code -is [int] -or $code -is [long]) -or [long]$code -lt 100 -or [long]$code -gt 599) {
                    $good = $false
                }
            }
        }
        if (-not $good) {
            throw (New-WinopsError -Code 'invalid_argument' -Message "net.probe: 'expect_status' must be a list of HTTP status codes")
        }
        $expect = @($list | ForEach-Object { [int]$_ })
    }
    return @{
        port = $port
        uri = $uri
        host = $hostName
        timeout = Get-WinopsProbeSeconds -Arguments $Arguments -Name 'timeout' -Default 30
        interval = Get-WinopsProbeSeconds -Arguments $Arguments -Name 'interval' -Default 1
        expect = $expect
    }
}

function Get-WinopsProbeError {
    <#
    .SYNOPSIS
    What Windows said about a failed attempt: the message, and the socket error under it.
    #>
    param([Parameter(Mandatory = $true)][System.Exception]$Exception)
    $ex = Get-WinopsInnerException -Exception $Exception
    $text = $ex.Message
    if ($ex -is [System.Net.WebException] -and $null -ne $ex.InnerException) {
        $text = '{0}: {1}' -f $text, $ex.InnerException.Message
    }
    return $text
}

function Invoke-WinopsTcpAttempt {
    <#
    .SYNOPSIS
    One TCP connect to host:port, waited on for at most SliceSeconds.
    #>
    param([string]$HostName, [int]$Port, [double]$SliceSeconds)
    $client = New-Object -TypeName System.Net.Sockets.TcpClient
    try {
        try {
            $pending = $client.BeginConnect($HostName, $Port, $null, $null)
            $waitMs = [int][Math]::Max(1, [Math]::Min([double][int]::MaxValue, $SliceSeconds * 1000))
            if (-not $pending.AsyncWaitHandle.WaitOne($waitMs)) {
                return @{ open = $false; error = ('No TCP connection to {0}:{1} within {2} s' -f $HostName, $Port, (Format-WinopsSeconds -Seconds $SliceSeconds)) }
            }
            $client.EndConnect($pending)
            return @{ open = $true; error = $null }
        }
        catch {
            return @{ open = $false; error = (Get-WinopsProbeError -Exception $_.Exception) }
        }
    }
    finally {
        $client.Close()
    }
}

function Invoke-WinopsHttpAttempt {
    <#
    .SYNOPSIS
    One GET of the URL (no redirects); the status of any response, or the error text.
    #>
    param([System.Uri]$Uri, [double]$SliceSeconds)
    $waitMs = [int][Math]::Max(1, [Math]::Min([double][int]::MaxValue, $SliceSeconds * 1000))
    $request = [System.Net.HttpWebRequest][System.Net.WebRequest]::Create($Uri)
    $request.Method = 'GET'
    $request.AllowAutoRedirect = $false
    $request.KeepAlive = $false
    $request.Timeout = $waitMs
    $request.ReadWriteTimeout = $waitMs
    $request.UserAgent = 'winops.golang-agent'
    if (Test-WinopsLoopbackName -Name $Uri.Host) {
        $request.Proxy = $null
    }
    $response = $null
    try {
        try {
            $response = $request.GetResponse()
        }
        catch {
            $ex = Get-WinopsInnerException -Exception $_.Exception
            if ($ex -is [System.Net.WebException] -and $null -ne $ex.Response) {
                $response = $ex.Response
            }
            else {
                return @{ status = $null; error = (Get-WinopsProbeError -Exception $_.Exception) }
            }
        }
        return @{ status = [int]$response.StatusCode; error = $null }
    }
    finally {
        if ($null -ne $response) {
            $response.Close()
        }
    }
}

function Test-WinopsStatusAccepted {
    <#
    .SYNOPSIS
    Whether an HTTP status is one of the expected codes (any 2xx when none are given).
    #>
    param($Status, $Expect)
    if ($null -eq $Status) {
        return $false
    }
    if ($null -eq $Expect) {
        return ($Status -ge 200 -and $Status -le 299)
    }
    return ($Expect -contains $Status)
}

function Invoke-WinopsProbe {
    <#
    .SYNOPSIS
    net.probe: poll until the port accepts and the URL answers an expected status, or time is up.
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    $probe = Get-WinopsProbeArgs -Arguments $Arguments
    if ($null -ne $probe.uri) {
        [System.Net.ServicePointManager]::SecurityProtocol = [System.Net.ServicePointManager]::SecurityProtocol -bor [System.Net.SecurityProtocolType]::Tls12
    }
    $timer = [System.Diagnostics.Stopwatch]::StartNew()
    $attempts = 0
    $ok = $false
    $tcpOpen = $null
    $status = $null
    $lastError = $null
    while ($true) {
        $attempts++
        $tcpOpen = $null
        $status = $null
        $lastError = $null
        if ($null -ne $probe.port) {
            $left = [Math]::Max(0.001, $probe.timeout - $timer.Elapsed.TotalSeconds)
            $tcp = Invoke-WinopsTcpAttempt -HostName $probe.host -Port $probe.port -SliceSeconds $left
            $tcpOpen = [bool]$tcp.open
            $lastError = $tcp.error
        }
        if ($null -ne $probe.uri -and $tcpOpen -ne $false) {
            $left = [Math]::Max(0.001, $probe.timeout - $timer.Elapsed.TotalSeconds)
            $http = Invoke-WinopsHttpAttempt -Uri $probe.uri -SliceSeconds $left
            $status = $http.status
            $lastError = $http.error
            if ($null -eq $lastError -and -not (Test-WinopsStatusAccepted -Status $status -Expect $probe.expect)) {
                $wanted = '2xx'
                if ($null -ne $probe.expect) {
                    $wanted = $probe.expect -join ', '
                }
                $lastError = 'HTTP status {0}, expected {1}' -f $status, $wanted
            }
        }
        $ok = ($null -eq $lastError)
        $left = $probe.timeout - $timer.Elapsed.TotalSeconds
        if ($ok -or $left -le 0) {
            break
        }
        Start-Sleep -Milliseconds ([int][Math]::Ceiling([Math]::Min($probe.interval, $left) * 1000))
        if ($timer.Elapsed.TotalSeconds -ge $probe.timeout) {
            break
        }
    }
    return @{
        changed = $false
        ok = $ok
        tcp_open = $tcpOpen
        http_status = $status
        attempts = $attempts
        elapsed = [Math]::Round($timer.Elapsed.TotalSeconds, 3)
        error = $lastError
    }
}

Export-ModuleMember -Function @(
    'Invoke-WinopsProbe'
)
