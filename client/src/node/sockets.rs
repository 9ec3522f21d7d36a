//! Which addresses a process listens on, read from Linux `/proc`, so tests can prove
//! the node is reachable from loopback only (an isolated node on a CI box must not
//! be a service on the network).

use std::collections::HashSet;
use std::fs;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::error::{NodeError as Error, Result};

/// TCP state `LISTEN` in `/proc/net/tcp*`.
const TCP_LISTEN: &str = "0A";

/// Local addresses of `pid`'s listening TCP sockets and bound, unconnected UDP sockets.
pub fn listening_addrs(pid: u32) -> Result<Vec<SocketAddr>> {
    let inodes = socket_inodes(pid)?;
    let mut found = Vec::new();
    for (table, tcp) in [
        ("tcp", true),
        ("tcp6", true),
        ("udp", false),
        ("udp6", false),
    ] {
        let path = format!("/proc/net/{table}");
        let text = fs::read_to_string(&path).map_err(Error::io(format!("read {path}")))?;
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(remote), Some(state), Some(inode)) =
                (cols.get(1), cols.get(2), cols.get(3), cols.get(9))
            else {
                continue;
            };
            let listening = if tcp {
                *state == TCP_LISTEN
            } else {
                remote.ends_with(":0000")
            };
            if listening && inodes.contains(*inode) {
                let addr = parse_addr(local).ok_or_else(|| Error::Io {
                    context: format!("parse {path}"),
                    source: std::io::Error::other(format!("bad address {local:?}")),
                })?;
                found.push(addr);
            }
        }
    }
    Ok(found)
}

/// Inodes of the sockets among `pid`'s open file descriptors.
fn socket_inodes(pid: u32) -> Result<HashSet<String>> {
    let dir = format!("/proc/{pid}/fd");
    let entries = fs::read_dir(&dir).map_err(Error::io(format!("list {dir}")))?;
    let mut inodes = HashSet::new();
    for entry in entries.flatten() {
        // An fd may close between listing and reading it; skip those.
        if let Ok(target) = fs::read_link(entry.path()) {
            let target = target.to_string_lossy();
            if let Some(inode) = target
                .strip_prefix("socket:[")
                .and_then(|t| t.strip_suffix(']'))
            {
                inodes.insert(inode.to_owned());
            }
        }
    }
    Ok(inodes)
}

/// `0100007F:1F90` or a 32-hex-digit IPv6 form; each 32-bit word is printed in host
/// byte order, hence `to_ne_bytes`.
fn parse_addr(text: &str) -> Option<SocketAddr> {
    let (ip_hex, port_hex) = text.split_once(':')?;
    let port = u16::from_str_radix(port_hex, 16).ok()?;
    let word = |i: usize| -> Option<[u8; 4]> {
        let hex = ip_hex.get(i * 8..i * 8 + 8)?;
        Some(u32::from_str_radix(hex, 16).ok()?.to_ne_bytes())
    };
    let ip = match ip_hex.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(0)?)),
        32 => {
            let mut bytes = [0u8; 16];
            for (i, chunk) in bytes.chunks_exact_mut(4).enumerate() {
                chunk.copy_from_slice(&word(i)?);
            }
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
#[cfg(target_endian = "little")]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_net_addresses() {
        assert_eq!(
            parse_addr("0100007F:1F90"),
            Some("127.0.0.1:8080".parse().expect("literal"))
        );
        assert_eq!(
            parse_addr("00000000000000000000000001000000:0016"),
            Some("[::1]:22".parse().expect("literal"))
        );
    }

    #[test]
    fn finds_this_process_listener() {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").expect("bind tcp");
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind udp");
        let found = listening_addrs(std::process::id()).expect("read /proc");
        for addr in [tcp.local_addr(), udp.local_addr()] {
            let addr = addr.expect("local addr");
            assert!(found.contains(&addr), "{addr} not in {found:?}");
        }
    }
}
