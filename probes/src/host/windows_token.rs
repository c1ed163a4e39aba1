//! This process's logon token, read through the Win32 API (windows-sys): its enabled
//! groups are what a named pipe's ACL checks (`docker-users`), and unlike the account's
//! list in the user database they say whether this session has a new membership yet.

use super::Group;

/// The enabled groups of this process's token, named by the OS (`docker-users`,
/// `Administrators`), each with its SID's last part (its RID) as the id. Empty when the
/// token cannot be read.
pub(super) fn groups() -> Vec<Group> {
    use windows_sys::Win32::Foundation::{CloseHandle, HANDLE};
    use windows_sys::Win32::Security::{
        GetTokenInformation, LookupAccountSidW, SID_NAME_USE, TOKEN_GROUPS, TOKEN_QUERY,
        TokenGroups,
    };
    use windows_sys::Win32::System::SystemServices::SE_GROUP_ENABLED;
    use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

    let mut token: HANDLE = std::ptr::null_mut();
    // SAFETY: GetCurrentProcess returns a pseudo-handle; `token` receives a handle we close.
    if unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) } == 0 {
        return Vec::new();
    }
    let mut needed = 0u32;
    // SAFETY: a size query with no buffer; `needed` receives the size.
    unsafe { GetTokenInformation(token, TokenGroups, std::ptr::null_mut(), 0, &mut needed) };
    // u64 words keep the TOKEN_GROUPS header aligned.
    let mut buf = vec![0u64; (needed as usize).div_ceil(8).max(1)];
    let len = (buf.len() * 8) as u32;
    // SAFETY: `buf` holds `len` bytes, as many as the size query asked for.
    let ok = unsafe {
        GetTokenInformation(
            token,
            TokenGroups,
            buf.as_mut_ptr().cast(),
            len,
            &mut needed,
        )
    };
    // SAFETY: `token` is the handle OpenProcessToken gave.
    unsafe { CloseHandle(token) };
    if ok == 0 {
        return Vec::new();
    }
    // SAFETY: on success the buffer starts with a TOKEN_GROUPS whose array of GroupCount
    // entries lies within it.
    let groups = unsafe {
        let header = &*(buf.as_ptr() as *const TOKEN_GROUPS);
        std::slice::from_raw_parts(header.Groups.as_ptr(), header.GroupCount as usize)
    };
    let mut out = Vec::new();
    for g in groups {
        if g.Attributes & (SE_GROUP_ENABLED as u32) == 0 || g.Sid.is_null() {
            continue;
        }
        let mut name = [0u16; 256];
        let mut domain = [0u16; 256];
        let (mut name_len, mut domain_len) = (name.len() as u32, domain.len() as u32);
        let mut kind: SID_NAME_USE = 0;
        // SAFETY: the SID is the token's; both buffers hold the lengths given.
        let named = unsafe {
            LookupAccountSidW(
                std::ptr::null(),
                g.Sid,
                name.as_mut_ptr(),
                &mut name_len,
                domain.as_mut_ptr(),
                &mut domain_len,
                &mut kind,
            )
        };
        if named == 0 {
            continue;
        }
        let name = String::from_utf16_lossy(&name[..(name_len as usize).min(name.len())]);
        out.push(Group {
            gid: rid(g.Sid),
            name,
        });
    }
    out
}

/// A SID's last sub-authority (its RID: 544 is Administrators), 0 when it has none.
fn rid(sid: windows_sys::Win32::Security::PSID) -> u32 {
    use windows_sys::Win32::Security::{GetSidSubAuthority, GetSidSubAuthorityCount, IsValidSid};
    // SAFETY: the SID comes from the token and is checked before it is read.
    unsafe {
        if IsValidSid(sid) == 0 {
            return 0;
        }
        let count = *GetSidSubAuthorityCount(sid);
        if count == 0 {
            return 0;
        }
        *GetSidSubAuthority(sid, u32::from(count) - 1)
    }
}

#[cfg(test)]
mod tests {
    /// The token is read without the user database: its groups have names (Everyone,
    /// Users, Administrators, ...) and no call aborts.
    #[test]
    fn the_tokens_groups_are_read() {
        let groups = super::groups();
        assert!(!groups.is_empty());
        assert!(groups.iter().all(|g| !g.name.is_empty()), "{groups:?}");
    }
}
