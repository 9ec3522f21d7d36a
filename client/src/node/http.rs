//! A deliberately tiny HTTP/1.1 client for loopback only: enough for the node's
//! `/v1/version`, for fetching a web-app page (and its auth token) and for the
//! node's permission routes in tests, without pulling an HTTP client and a TLS stack
//! into the build. It refuses any host other than loopback so neither a test nor the
//! CLI can ever talk to the outside world with it.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::error::{NodeError as Error, Result};

/// Whole-exchange deadline; the node answers loopback requests in milliseconds.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed HTTP response. Header names are kept as sent; look them up with
/// [`HttpResponse::header`], which ignores case.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header with this name (case-insensitive), e.g. several `set-cookie`.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text, with invalid UTF-8 replaced.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `GET url` where `url` is `http://127.0.0.1:PORT/path` (or `localhost`, `[::1]`).
pub async fn http_get(url: &str) -> Result<HttpResponse> {
    http_get_with_headers(url, &[]).await
}

/// Like [`http_get`], sending extra request headers (e.g. `Authorization`, `Cookie`).
pub async fn http_get_with_headers(url: &str, headers: &[(&str, &str)]) -> Result<HttpResponse> {
    exchange("GET", url, headers, None).await
}

/// `POST url` with `body` (sent with a `Content-Length`) and extra request headers,
/// e.g. `Content-Type` and the `Origin` a state-changing node route insists on.
/// Same loopback-only rule as [`http_get`].
pub async fn http_post(url: &str, headers: &[(&str, &str)], body: &[u8]) -> Result<HttpResponse> {
    exchange("POST", url, headers, Some(body)).await
}

/// One request on a fresh connection (`Connection: close`), the whole answer read.
async fn exchange(
    method: &'static str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<HttpResponse> {
    let fail = |detail: String| Error::Http {
        method,
        url: url.to_owned(),
        detail,
    };
    let (authority, path) = split_loopback_url(url).map_err(fail)?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nAccept: */*\r\nConnection: close\r\n"
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(body) = body {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut request = head.into_bytes();
    request.extend_from_slice(body.unwrap_or_default());

    let exchange = async {
        let mut stream = TcpStream::connect(authority)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        stream
            .write_all(&request)
            .await
            .map_err(|e| format!("write: {e}"))?;
        let mut raw = Vec::new();
        stream
            .read_to_end(&mut raw)
            .await
            .map_err(|e| format!("read: {e}"))?;
        Ok::<_, String>(raw)
    };
    let raw = tokio::time::timeout(HTTP_TIMEOUT, exchange)
        .await
        .map_err(|_| fail(format!("no complete answer within {HTTP_TIMEOUT:?}")))?
        .map_err(fail)?;
    parse_response(&raw).map_err(fail)
}

/// Splits `http://host:port/path?query` into (`host:port`, `/path?query`),
/// refusing anything that is not plain HTTP to a loopback host.
fn split_loopback_url(url: &str) -> Result<(&str, &str), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("only http:// URLs are supported")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let host = match authority.rsplit_once(':') {
        Some((host, _port)) if !authority.ends_with(']') => host,
        _ => authority,
    };
    if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        return Err(format!("host {host:?} is not loopback"));
    }
    Ok((authority, path))
}

fn parse_response(raw: &[u8]) -> Result<HttpResponse, String> {
    let head_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("response has no end of headers")?;
    let (head, rest) = (raw.get(..head_end), raw.get(head_end + 4..));
    let (Some(head), Some(rest)) = (head, rest) else {
        return Err("response has no end of headers".into());
    };
    let head = std::str::from_utf8(head).map_err(|_| "headers are not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut response = HttpResponse {
        status,
        headers,
        body: Vec::new(),
    };
    response.body = if response
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        decode_chunked(rest)?
    } else if let Some(len) = response.header("content-length") {
        let len: usize = len.parse().map_err(|_| "bad content-length")?;
        rest.get(..len)
            .ok_or_else(|| format!("body shorter than content-length {len}"))?
            .to_vec()
    } else {
        rest.to_vec()
    };
    Ok(response)
}

fn decode_chunked(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("truncated chunk size line")?;
        let (Some(size_line), Some(after)) = (rest.get(..line_end), rest.get(line_end + 2..))
        else {
            return Err("truncated chunk size line".into());
        };
        let size_text = std::str::from_utf8(size_line).map_err(|_| "bad chunk size")?;
        let size_hex = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        rest = after;
        if size == 0 {
            return Ok(body);
        }
        let chunk = rest.get(..size).ok_or("truncated chunk")?;
        body.extend_from_slice(chunk);
        rest = rest.get(size + 2..).ok_or("truncated chunk trailer")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_loopback_hosts() {
        assert!(split_loopback_url("http://example.com/").is_err());
        assert!(split_loopback_url("https://127.0.0.1:1/").is_err());
        assert_eq!(
            split_loopback_url("http://127.0.0.1:8080/v1/version"),
            Ok(("127.0.0.1:8080", "/v1/version"))
        );
        assert_eq!(split_loopback_url("http://[::1]:9"), Ok(("[::1]:9", "/")));
    }

    #[test]
    fn parses_length_and_chunked_bodies() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: b\r\n\r\nhi";
        let r = parse_response(plain).expect("plain");
        assert_eq!(
            (r.status, r.body.as_slice(), r.header("x-a")),
            (200, &b"hi"[..], Some("b"))
        );

        let chunked = b"HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        let r = parse_response(chunked).expect("chunked");
        assert_eq!((r.status, r.body.as_slice()), (404, &b"abcde"[..]));
    }
}
