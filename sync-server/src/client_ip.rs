//! Which address a request comes from: the TCP peer, or, when the peer is a proxy named with
//! `--trusted-proxy`, the nearest address in `Forwarded` / `X-Forwarded-For` that is not one of
//! those proxies. Headers from anyone else are ignored, so a client cannot pick its own address.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request};
use ipnet::IpNet;
use tower_governor::GovernorError;
use tower_governor::key_extractor::KeyExtractor;

/// Resolves client addresses; the rate limiters' key.
#[derive(Debug, Clone, Default)]
pub struct ClientIp {
    trusted: Arc<[IpNet]>,
}

impl ClientIp {
    /// Trusting the proxies in `trusted` (none: the TCP peer is always the client).
    pub fn new(trusted: &[IpNet]) -> Self {
        Self {
            trusted: trusted.into(),
        }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// The client address of a request from `peer` with `headers`.
    pub fn resolve(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.is_trusted(peer) {
            return peer;
        }
        // Walk from the nearest hop outwards; the first address that is not our own proxy is
        // the client. An entry that cannot be read ends the walk at the last proxy we trust.
        let mut nearest = peer;
        for hop in forwarded_chain(headers).iter().rev() {
            let Some(ip) = hop else { return nearest };
            if !self.is_trusted(*ip) {
                return *ip;
            }
            nearest = *ip;
        }
        nearest
    }

    /// The client address of `req` (served with connect info), if it has a peer.
    pub fn of<T>(&self, req: &Request<T>) -> Option<IpAddr> {
        let peer = req.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
        Some(self.resolve(peer, req.headers()))
    }
}

impl KeyExtractor for ClientIp {
    type Key = IpAddr;

    fn extract<T>(&self, req: &Request<T>) -> Result<IpAddr, GovernorError> {
        self.of(req).ok_or(GovernorError::UnableToExtractKey)
    }
}

/// IPv4-mapped IPv6 addresses as plain IPv4, so one client is one key.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The forwarded-for chain, farthest first: `Forwarded`'s `for=` values when that header is
/// present, else `X-Forwarded-For`. `None` marks an entry that is not an address.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let forwarded: Vec<&str> = headers
        .get_all("forwarded")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .flat_map(|v| v.split(','))
            .map(|element| {
                element
                    .split(';')
                    .find_map(|pair| {
                        let (key, value) = pair.trim().split_once('=')?;
                        key.eq_ignore_ascii_case("for").then_some(value)
                    })
                    .and_then(parse_node)
            })
            .collect();
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(parse_node)
        .collect()
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:4711`, `"[2001:db8::1]:4711"`.
fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sock) = node.parse::<SocketAddr>() {
        return Some(canonical(sock.ip()));
    }
    let inner = node.strip_prefix('[')?.split(']').next()?;
    inner.parse().ok().map(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().expect("header"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn headers_count_only_from_trusted_proxies() {
        let none = ClientIp::new(&[]);
        let spoof = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(none.resolve(ip("198.51.100.7"), &spoof), ip("198.51.100.7"));

        let proxy = ClientIp::new(&["10.0.0.0/8".parse().expect("net")]);
        // Behind the proxy: the address it appended, not one the client made up before it.
        let h = headers(&[("x-forwarded-for", "1.2.3.4, 203.0.113.9")]);
        assert_eq!(proxy.resolve(ip("10.0.0.2"), &h), ip("203.0.113.9"));
        // Two proxies of ours in a row.
        let h = headers(&[("x-forwarded-for", "203.0.113.9, 10.0.0.3")]);
        assert_eq!(proxy.resolve(ip("10.0.0.2"), &h), ip("203.0.113.9"));
        // `Forwarded` wins over `X-Forwarded-For`, with quotes, brackets and ports.
        let h = headers(&[
            ("forwarded", "for=\"[2001:db8::1]:4711\";proto=https"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        assert_eq!(proxy.resolve(ip("10.0.0.2"), &h), ip("2001:db8::1"));
        let h = headers(&[("forwarded", "for=192.0.2.60:80, for=10.1.1.1")]);
        assert_eq!(proxy.resolve(ip("10.0.0.2"), &h), ip("192.0.2.60"));
        // Nothing forwarded, or unreadable: the proxy's own address.
        assert_eq!(
            proxy.resolve(ip("10.0.0.2"), &HeaderMap::new()),
            ip("10.0.0.2")
        );
        let h = headers(&[("x-forwarded-for", "unknown")]);
        assert_eq!(proxy.resolve(ip("10.0.0.2"), &h), ip("10.0.0.2"));
        // IPv4-mapped peers are their IPv4 address.
        assert_eq!(
            proxy.resolve(ip("::ffff:10.0.0.2"), &spoof),
            ip("203.0.113.9")
        );
    }
}
