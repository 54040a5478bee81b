//! Login throttling, by client address as well as by account, so that a
//! failing client is slowed and the account it attacks is not shut to its
//! owner.
//!
//! With N = `login_max_failures`, C = `login_client_max_failures` and the
//! window `login_lockout_secs` (a failure counts until a window has passed
//! since the last failure on the same key):
//!
//! - a client with C failures in the window, whatever emails it tried, is
//!   refused (429 with `Retry-After`) until its window ends;
//! - an account with N failures is locked against the clients that failed
//!   on it in the window; a client that has not (the owner at their own
//!   desk) may still try, and the right password lets it in, as the big
//!   providers do;
//! - an attempt counts as a failure from the moment it is let through
//!   until its password proves right, so parallel guesses cannot slip past
//!   a limit; a right password takes the attempt back and forgets that
//!   client's failures on that account.
//!
//! Counts live in the database (`login_throttle`), so every instance shares
//! them, under SHA-256 digests of their keys: no email and no address is
//! stored. An IPv4 address has few enough values to be found again from
//! its digest by trying them all, so rows are deleted once their window
//! has ended.

use std::net::IpAddr;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use ipnet::Ipv6Net;

use super::store::{self, Attempt};
use crate::config::{Settings, TrustedProxy};
use crate::db::DbConnection;
use crate::ops::Error;
use crate::security;

/// The address a login attempt comes from, as far as it can be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(Option<IpAddr>);

impl ClientAddress {
    /// The client behind a connection from `peer`. `X-Forwarded-For`
    /// (`forwarded_for`: each header's value, in order) is believed only
    /// when the peer is a trusted proxy: its entries are read from the
    /// right, past every trusted proxy, and the first address that is not
    /// one is the client. Anyone else can write anything in that header.
    pub fn new(peer: Option<IpAddr>, forwarded_for: &[&str], trusted: &[TrustedProxy]) -> Self {
        let is_trusted = |ip: IpAddr| {
            trusted
                .iter()
                .any(|proxy| proxy.0.contains(&ip.to_canonical()))
        };
        let Some(mut client) = peer else {
            return Self(None);
        };
        if !is_trusted(client) {
            return Self(Some(client));
        }
        let hops = forwarded_for
            .iter()
            .flat_map(|value| value.split(','))
            .map(str::trim);
        for hop in hops.rev() {
            let Some(ip) = parse_hop(hop) else {
                break;
            };
            client = ip;
            if !is_trusted(ip) {
                break;
            }
        }
        Self(Some(client))
    }

    /// What one client's attempts are counted under: an IPv4 address, or
    /// an IPv6 client's /64 (one host usually has a whole /64 to pick
    /// addresses from).
    fn bucket(&self) -> String {
        match self.0.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V4(v4)) => v4.to_string(),
            Some(IpAddr::V6(v6)) => Ipv6Net::new(v6, 64)
                .expect("64 is a valid IPv6 prefix length")
                .trunc()
                .to_string(),
            None => "unknown".into(),
        }
    }
}

/// An `X-Forwarded-For` entry: an address, perhaps with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip()))
}

/// The keys one attempt is counted under, each a digest.
#[derive(Debug, Clone)]
pub struct Keys {
    account: String,
    client: String,
    pair: String,
}

impl Keys {
    /// `email` as the account is looked up (trimmed, lower case).
    pub fn new(email: &str, client: &ClientAddress) -> Self {
        let bucket = client.bucket();
        Self {
            account: account_key(email),
            client: security::digest(&format!("login client\n{bucket}")),
            pair: security::digest(&format!("login account and client\n{email}\n{bucket}")),
        }
    }
}

/// The digest an account's failures are counted under (`email` as stored).
pub fn account_key(email: &str) -> String {
    security::digest(&format!("login account\n{email}"))
}

/// The configured limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    account: i32,
    client: i32,
    window: Duration,
}

impl Limits {
    pub fn new(settings: &Settings) -> Self {
        let limit = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
        Self {
            account: limit(settings.login_max_failures),
            client: limit(settings.login_client_max_failures),
            window: Duration::seconds(
                i64::try_from(settings.login_lockout_secs).unwrap_or(i64::MAX / 1000),
            ),
        }
    }
}

/// Deletes the counts whose window has ended (a transaction of its own).
pub fn purge(conn: &mut DbConnection, limits: &Limits, now: DateTime<Utc>) -> Result<(), Error> {
    Ok(store::purge_throttle(
        conn,
        (now - limits.window).naive_utc(),
    )?)
}

/// Lets one attempt through, counting it as a failure, or refuses it with
/// [`Error::TooManyRequests`]. Run it in a write transaction, which a
/// refusal rolls back: a refused attempt counts for nothing. The keys are
/// counted in one order (client, account, both), so concurrent attempts
/// wait for each other's rows without deadlocking.
pub fn admit(
    conn: &mut DbConnection,
    keys: &Keys,
    limits: &Limits,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let since = (now - limits.window).naive_utc();
    let now_naive = now.naive_utc();
    let refused = |last_failure_at: NaiveDateTime, what: &str| {
        let until = last_failure_at.and_utc() + limits.window;
        tracing::info!(throttled = what, "login refused: too many failures");
        Error::TooManyRequests {
            retry_after_secs: (until - now).num_seconds().max(1) as u64,
        }
    };
    if let Attempt::Refused { last_failure_at } =
        store::count_attempt(conn, &keys.client, limits.client, now_naive, since)?
    {
        return Err(refused(last_failure_at, "client"));
    }
    let locked = match store::count_attempt(conn, &keys.account, i32::MAX, now_naive, since)? {
        Attempt::Counted { failures } => failures > limits.account,
        Attempt::Refused { .. } => true,
    };
    let pair_limit = if locked { 1 } else { i32::MAX };
    if let Attempt::Refused { last_failure_at } =
        store::count_attempt(conn, &keys.pair, pair_limit, now_naive, since)?
    {
        return Err(refused(last_failure_at, "account"));
    }
    Ok(())
}

/// The password of an admitted attempt was right: it no longer counts, and
/// this client's failures on this account are forgotten. The account's
/// count stays: other clients' failures on it still lock it against them.
pub fn succeeded(conn: &mut DbConnection, keys: &Keys) -> Result<(), Error> {
    store::uncount_attempt(conn, &keys.client)?;
    store::uncount_attempt(conn, &keys.account)?;
    store::forget(conn, &keys.pair)?;
    Ok(())
}

/// Forgets an account's failures, once its owner has proved themselves
/// another way (a password set through an emailed link). `email` as
/// stored.
pub fn forget_account(conn: &mut DbConnection, email: &str) -> Result<(), Error> {
    Ok(store::forget(conn, &account_key(email))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<TrustedProxy> {
        list.iter()
            .map(|n| TrustedProxy(n.parse().unwrap()))
            .collect()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let client = |peer: &str, xff: &[&str], trusted: &[&str]| {
            ClientAddress::new(Some(ip(peer)), xff, &nets(trusted))
        };
        let addr = |s: &str| ClientAddress(Some(ip(s)));
        // No trusted proxies (the default): the header is ignored.
        assert_eq!(
            client("203.0.113.7", &["198.51.100.1"], &[]),
            addr("203.0.113.7")
        );
        // From a trusted proxy, the rightmost entry that is not a proxy.
        let proxies = ["10.0.0.0/8", "192.0.2.1/32"];
        assert_eq!(
            client(
                "10.0.0.2",
                &["198.51.100.9, 203.0.113.7, 192.0.2.1"],
                &proxies
            ),
            addr("203.0.113.7"),
            "what the client wrote (198.51.100.9) is not believed"
        );
        assert_eq!(
            client(
                "10.0.0.2",
                &["198.51.100.9", "203.0.113.7, 10.1.2.3"],
                &proxies
            ),
            addr("203.0.113.7"),
            "several headers read as one list"
        );
        assert_eq!(
            client("10.0.0.2", &["[2001:db8::1]:4711"], &proxies),
            addr("2001:db8::1")
        );
        // A proxy that sent no header, or garbage: the nearest address known.
        assert_eq!(client("10.0.0.2", &[], &proxies), addr("10.0.0.2"));
        assert_eq!(
            client(
                "10.0.0.2",
                &["203.0.113.7, not-an-address, 10.1.2.3"],
                &proxies
            ),
            addr("10.1.2.3")
        );
        // An untrusted peer's header is ignored even if it names a proxy.
        assert_eq!(
            client("203.0.113.7", &["10.0.0.2"], &proxies),
            addr("203.0.113.7")
        );
        assert_eq!(
            ClientAddress::new(None, &["203.0.113.7"], &nets(&proxies)),
            ClientAddress(None)
        );
    }

    #[test]
    fn an_ipv6_client_is_its_64() {
        let bucket = |s: &str| ClientAddress(Some(ip(s))).bucket();
        assert_eq!(
            bucket("2001:db8:1:2:aaaa::1"),
            bucket("2001:db8:1:2:bbbb::2")
        );
        assert_ne!(bucket("2001:db8:1:2::1"), bucket("2001:db8:1:3::1"));
        assert_eq!(bucket("::ffff:203.0.113.7"), "203.0.113.7");
        assert_ne!(bucket("203.0.113.7"), bucket("203.0.113.8"));
        assert_eq!(ClientAddress(None).bucket(), "unknown");
    }

    #[test]
    fn keys_hold_no_email_or_address() {
        let keys = Keys::new(
            "chair@party.example",
            &ClientAddress(Some(ip("203.0.113.7"))),
        );
        for key in [&keys.account, &keys.client, &keys.pair] {
            assert_eq!(key.len(), 64);
            assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
        }
        let other = Keys::new(
            "chair@party.example",
            &ClientAddress(Some(ip("203.0.113.8"))),
        );
        assert_eq!(keys.account, other.account);
        assert_ne!(keys.client, other.client);
        assert_ne!(keys.pair, other.pair);
    }
}
