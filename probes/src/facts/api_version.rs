//! Docker API versions and the daemon's own words about them.
//!
//! bollard puts its client version in every URL, and a daemon refuses a version outside its
//! range with a message that names the bound. We read that bound and ask again once.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiVersion(pub usize, pub usize);

impl ApiVersion {
    /// Accepted by Engine 25 and later (API 1.44); older and newer daemons tell us their bound.
    pub const FIRST_TRY: ApiVersion = ApiVersion(1, 44);

    pub fn parse(s: &str) -> Option<ApiVersion> {
        let (major, minor) = s.trim().trim_start_matches('v').split_once('.')?;
        Some(ApiVersion(major.parse().ok()?, minor.parse().ok()?))
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

/// What a daemon said about the version it was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionRefusal {
    /// "client version 1.46 is too new. Maximum supported API version is 1.41"
    TooNew {
        asked: Option<ApiVersion>,
        max: ApiVersion,
    },
    /// "client version 1.24 is too old. Minimum supported API version is 1.44, ..."
    TooOld {
        asked: Option<ApiVersion>,
        min: ApiVersion,
    },
}

pub fn parse_refusal(message: &str) -> Option<VersionRefusal> {
    let lower = message.to_ascii_lowercase();
    let asked = lower
        .split("client version ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(ApiVersion::parse);
    let bound = |marker: &str| {
        lower
            .split(marker)
            .nth(1)
            .and_then(|rest| rest.split([' ', ',', '\n']).next())
            .and_then(|v| ApiVersion::parse(v.trim_end_matches('.')))
    };
    if lower.contains("too new") {
        let max = bound("maximum supported api version is ")?;
        return Some(VersionRefusal::TooNew { asked, max });
    }
    if lower.contains("too old") {
        let min = bound("minimum supported api version is ")?;
        return Some(VersionRefusal::TooOld { asked, min });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_too_new() {
        assert_eq!(
            parse_refusal(
                "Error response from daemon: client version 1.46 is too new. Maximum supported API version is 1.41"
            ),
            Some(VersionRefusal::TooNew {
                asked: Some(ApiVersion(1, 46)),
                max: ApiVersion(1, 41)
            })
        );
    }

    #[test]
    fn reads_too_old_with_trailing_advice() {
        assert_eq!(
            parse_refusal(
                "client version 1.24 is too old. Minimum supported API version is 1.44, please upgrade your client to a newer version"
            ),
            Some(VersionRefusal::TooOld {
                asked: Some(ApiVersion(1, 24)),
                min: ApiVersion(1, 44)
            })
        );
    }

    #[test]
    fn ignores_other_errors_and_orders_versions() {
        assert_eq!(parse_refusal("page not found"), None);
        assert!(ApiVersion(1, 9) < ApiVersion(1, 41));
        assert_eq!(ApiVersion::parse("1.41"), Some(ApiVersion(1, 41)));
        assert_eq!(ApiVersion::parse("x"), None);
    }
}
