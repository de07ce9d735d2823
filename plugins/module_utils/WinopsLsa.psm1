# Copyright: winops.golang maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# User-rights ops of the winops agent: lsa.get, lsa.grant, lsa.revoke
# (docs/agent-protocol.md). Windows PowerShell 5.1 syntax only.
#
# Rights (logon rights such as SeServiceLogonRight, and privileges) are read and
# written through the LSA policy API of advapi32, compiled once with Add-Type:
# LsaOpenPolicy (POLICY_VIEW_LOCAL_INFORMATION | POLICY_LOOKUP_NAMES |
# POLICY_CREATE_ACCOUNT), LsaEnumerateAccountsWithUserRight (STATUS_NO_MORE_ENTRIES
# means nobody holds the right), LsaAddAccountRights, LsaRemoveAccountRights and
# LsaClose. Account names are translated to SIDs the way acl.resolve does it
# (WinopsAcl: NTAccount / SecurityIdentifier); '.\user' names a local account.

#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsCommon
#AnsibleRequires -PowerShell ansible_collections.winops.golang.plugins.module_utils.WinopsAcl

$ErrorActionPreference = 'Stop'

$script:LsaSource = @'
using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Security.Principal;

namespace WinopsGolang
{
    public class LsaException : Win32Exception
    {
        public uint Status;

        public LsaException(uint status, string what)
            : base(LsaRights.LsaNtStatusToWinError(status),
                what + ": " + new Win32Exception(LsaRights.LsaNtStatusToWinError(status)).Message)
        {
            Status = status;
        }
    }

    public static class LsaRights
    {
        public const uint StatusNoMoreEntries = 0x8000001A;
        public const uint StatusNoSuchPrivilege = 0xC0000060;
        // POLICY_VIEW_LOCAL_INFORMATION | POLICY_CREATE_ACCOUNT | POLICY_LOOKUP_NAMES
        private const uint PolicyAccess = 0x00000001 | 0x00000010 | 0x00000800;

        [StructLayout(LayoutKind.Sequential)]
        private struct LSA_OBJECT_ATTRIBUTES
        {
            public int Length;
            public IntPtr RootDirectory;
            public IntPtr ObjectName;
            public uint Attributes;
            public IntPtr SecurityDescriptor;
            public IntPtr SecurityQualityOfService;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct LSA_UNICODE_STRING
        {
            public ushort Length;
            public ushort MaximumLength;
            public IntPtr Buffer;
        }

        [DllImport("advapi32.dll")]
        private static extern uint LsaOpenPolicy(IntPtr systemName, ref LSA_OBJECT_ATTRIBUTES attributes,
            uint access, out IntPtr policy);

        [DllImport("advapi32.dll")]
        private static extern uint LsaClose(IntPtr policy);

        [DllImport("advapi32.dll")]
        private static extern uint LsaFreeMemory(IntPtr buffer);

        [DllImport("advapi32.dll")]
        internal static extern int LsaNtStatusToWinError(uint status);

        [DllImport("advapi32.dll")]
        private static extern uint LsaEnumerateAccountsWithUserRight(IntPtr policy,
            LSA_UNICODE_STRING[] userRight, out IntPtr buffer, out uint count);

        [DllImport("advapi32.dll")]
        private static extern uint LsaAddAccountRights(IntPtr policy, byte[] sid,
            LSA_UNICODE_STRING[] rights, uint count);

        [DllImport("advapi32.dll")]
        private static extern uint LsaRemoveAccountRights(IntPtr policy, byte[] sid,
            [MarshalAs(UnmanagedType.U1)] bool allRights, LSA_UNICODE_STRING[] rights, uint count);

        private static IntPtr Open()
        {
            LSA_OBJECT_ATTRIBUTES attributes = new LSA_OBJECT_ATTRIBUTES();
            attributes.Length = Marshal.SizeOf(typeof(LSA_OBJECT_ATTRIBUTES));
            IntPtr policy;
            uint status = LsaOpenPolicy(IntPtr.Zero, ref attributes, PolicyAccess, out policy);
            if (status != 0)
            {
                throw new LsaException(status, "LsaOpenPolicy");
            }
            return policy;
        }

        private static LSA_UNICODE_STRING[] Name(string right)
        {
            LSA_UNICODE_STRING text = new LSA_UNICODE_STRING();
            text.Buffer = Marshal.StringToHGlobalUni(right);
            text.Length = (ushort)(right.Length * 2);
            text.MaximumLength = (ushort)((right.Length + 1) * 2);
            return new LSA_UNICODE_STRING[] { text };
        }

        private static void Free(LSA_UNICODE_STRING[] names)
        {
            foreach (LSA_UNICODE_STRING name in names)
            {
                Marshal.FreeHGlobal(name.Buffer);
            }
        }

        public static string[] Holders(string right)
        {
            List<string> sids = new List<string>();
            IntPtr policy = Open();
            LSA_UNICODE_STRING[] names = Name(right);
            try
            {
                IntPtr buffer;
                uint count;
                uint status = LsaEnumerateAccountsWithUserRight(policy, names, out buffer, out count);
                if (status == StatusNoMoreEntries)
                {
                    return sids.ToArray();
                }
                if (status != 0)
                {
                    throw new LsaException(status, "LsaEnumerateAccountsWithUserRight(" + right + ")");
                }
                try
                {
                    for (int i = 0; i < count; i++)
                    {
                        IntPtr sid = Marshal.ReadIntPtr(new IntPtr(buffer.ToInt64() + i * IntPtr.Size));
                        sids.Add(new SecurityIdentifier(sid).Value);
                    }
                }
                finally
                {
                    LsaFreeMemory(buffer);
                }
            }
            finally
            {
                Free(names);
                LsaClose(policy);
            }
            return sids.ToArray();
        }

        public static void Change(string right, string sid, bool grant)
        {
            SecurityIdentifier id = new SecurityIdentifier(sid);
            byte[] binary = new byte[id.BinaryLength];
            id.GetBinaryForm(binary, 0);
            IntPtr policy = Open();
            LSA_UNICODE_STRING[] names = Name(right);
            try
            {
                uint status = grant
                    ? LsaAddAccountRights(policy, binary, names, 1)
                    : LsaRemoveAccountRights(policy, binary, false, names, 1);
                if (status != 0)
                {
                    throw new LsaException(status, (grant ? "LsaAddAccountRights(" : "LsaRemoveAccountRights(") + right + ")");
                }
            }
            finally
            {
                Free(names);
                LsaClose(policy);
            }
        }
    }
}
'@

function Initialize-WinopsLsa {
    <#
    .SYNOPSIS
    Compile the LSA P/Invoke class once per process.
    #>
    if ($null -eq ('WinopsGolang.LsaRights' -as [type])) {
        Add-Type -TypeDefinition $script:LsaSource -Language CSharp
    }
}

function Get-WinopsLsaRight {
    <#
    .SYNOPSIS
    Read and check the 'right' argument (Se...Right or Se...Privilege).
    #>
    param([Parameter(Mandatory = $true)][hashtable]$Arguments, [Parameter(Mandatory = $true)][string]$Op)
    $right = Get-WinopsArg -Arguments $Arguments -Name 'right' -Required
    if ($right -notmatch '^Se[A-Za-z]+(Right|Privilege)$') {
        throw (New-WinopsError -Code 'invalid_argument' -Message ("{0}: '{1}' is not a user right or privilege name" -f $Op, $right))
    }
    return $right
}

function Invoke-WinopsLsaCall {
    <#
    .SYNOPSIS
    Run an LSA call; an unknown right is invalid_argument, access denied access_denied.
    #>
    param([Parameter(Mandatory = $true)][scriptblock]$Call, [Parameter(Mandatory = $true)][string]$Op, [string]$Right)
    Initialize-WinopsLsa
    try {
        return (& $Call)
    }
    catch {
        $inner = Get-WinopsInnerException -Exception $_.Exception
        if ($inner -is [WinopsGolang.LsaException]) {
            if ($inner.Status -eq [WinopsGolang.LsaRights]::StatusNoSuchPrivilege) {
                throw (New-WinopsError -Code 'invalid_argument' -Message ("{0}: '{1}' is not a user right or privilege this host knows ({2})" -f $Op, $Right, $inner.Message))
            }
            $code = 'error'
            if ($inner.NativeErrorCode -eq 5) {
                $code = 'access_denied'
            }
            throw (New-WinopsError -Code $code -Message ('{0}: {1}' -f $Op, $inner.Message))
        }
        throw
    }
}

function Resolve-WinopsLsaAccount {
    <#
    .SYNOPSIS
    The SID of an account name (a '.\user' name is a local account) or SID; not_found when unknown.
    #>
    param([Parameter(Mandatory = $true)][string]$Account)
    $name = $Account.Trim()
    if ($name.StartsWith('.\')) {
        $name = '{0}\{1}' -f $env:COMPUTERNAME, $name.Substring(2)
    }
    return Resolve-WinopsAccountSid -Account $name
}

function Get-WinopsLsaHolder {
    <#
    .SYNOPSIS
    lsa.get: the accounts [{sid, name}] that hold a right ('name' is $null when the SID does not translate).
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('right')
    $right = Get-WinopsLsaRight -Arguments $Arguments -Op 'lsa.get'
    $sids = Invoke-WinopsLsaCall -Op 'lsa.get' -Right $right -Call { [WinopsGolang.LsaRights]::Holders($right) }
    $accounts = New-Object -TypeName 'System.Collections.Generic.List[object]'
    foreach ($sid in @($sids)) {
        if ($null -eq $sid) {
            continue
        }
        $accounts.Add([ordered]@{ sid = [string]$sid; name = (Get-WinopsAccountName -Sid ([string]$sid)) })
    }
    return @{ changed = $false; right = $right; accounts = $accounts.ToArray() }
}

function Set-WinopsLsaRight {
    <#
    .SYNOPSIS
    Compare-and-set whether one account holds a right (grant or revoke).
    #>
    param([hashtable]$Arguments, [bool]$CheckMode, [bool]$Grant, [string]$Op)
    Assert-WinopsArgs -Arguments $Arguments -Allowed @('right', 'account')
    $right = Get-WinopsLsaRight -Arguments $Arguments -Op $Op
    $account = Get-WinopsArg -Arguments $Arguments -Name 'account' -Required
    try {
        $sid = Resolve-WinopsLsaAccount -Account $account
    }
    catch {
        $info = Get-WinopsErrorInfo -Exception $_.Exception
        throw (New-WinopsError -Code $info.code -Message ('{0}: {1}' -f $Op, $info.message))
    }
    $sids = Invoke-WinopsLsaCall -Op $Op -Right $right -Call { [WinopsGolang.LsaRights]::Holders($right) }
    $before = $false
    foreach ($held in @($sids)) {
        if ([string]$held -eq $sid) {
            $before = $true
        }
    }
    $changed = ($before -ne $Grant)
    if ($changed -and -not $CheckMode) {
        $null = Invoke-WinopsLsaCall -Op $Op -Right $right -Call { [WinopsGolang.LsaRights]::Change($right, $sid, $Grant) }
    }
    return @{ changed = $changed; right = $right; sid = $sid; before = $before; after = $Grant }
}

function Grant-WinopsLsaRight {
    <#
    .SYNOPSIS
    lsa.grant: give an account a right (LsaAddAccountRights).
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    return Set-WinopsLsaRight -Arguments $Arguments -CheckMode $CheckMode -Grant $true -Op 'lsa.grant'
}

function Revoke-WinopsLsaRight {
    <#
    .SYNOPSIS
    lsa.revoke: take a right from an account (LsaRemoveAccountRights).
    #>
    param([hashtable]$Arguments, [bool]$CheckMode)
    return Set-WinopsLsaRight -Arguments $Arguments -CheckMode $CheckMode -Grant $false -Op 'lsa.revoke'
}

Export-ModuleMember -Function @(
    'Get-WinopsLsaHolder',
    'Grant-WinopsLsaRight',
    'Revoke-WinopsLsaRight'
)
