//! The bollard client the probes ask the daemon with, over a connection whose bytes are
//! counted: whatever listens on the socket (a broken daemon, a proxy, a program that is not
//! Docker) cannot make the doctor hold an endless answer in memory. The cap is on the
//! connection, so it bounds every answer bollard reads, headers and body alike.

use crate::bounded::{STREAM_CAP, human_size};
use bollard::{BollardRequest, ClientVersion, Docker};
use hyper_util::rt::TokioIo;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// An answer that passed the cap: the call fails with this inside its error chain.
#[derive(Debug)]
pub struct AnswerTooLarge(pub usize);

impl fmt::Display for AnswerTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the answer went on past {}: stopped reading",
            human_size(self.0 as u64)
        )
    }
}

impl std::error::Error for AnswerTooLarge {}

#[derive(Clone)]
pub enum Target {
    Unix(PathBuf),
    Tcp(String),
    /// `ssh ... docker system dial-stdio`: the API over the process's stdin and stdout.
    /// When it ends, its exit status and stderr are kept in `end` for the diagnosis.
    Ssh {
        argv: std::sync::Arc<Vec<String>>,
        end: std::sync::Arc<std::sync::Mutex<Option<SshEnd>>>,
    },
    /// TLS over tcp with the client's own configuration, to `server_name`.
    Tls {
        address: String,
        server_name: rustls::pki_types::ServerName<'static>,
        config: std::sync::Arc<rustls::ClientConfig>,
    },
}

/// How an ssh stream's process ended.
#[derive(Debug, Clone)]
pub struct SshEnd {
    pub status: Option<i32>,
    pub stderr: String,
}

/// A bollard client whose every request opens one connection to `target`, read through
/// the cap.
pub fn docker(target: Target, version: &ClientVersion, backstop_secs: u64) -> Docker {
    let transport = move |req: BollardRequest| {
        let target = target.clone();
        async move { send(target, req).await }
    };
    Docker::connect_with_custom_transport(transport, Some("http://docker"), backstop_secs, version)
        .expect("a custom transport needs no connection to be made")
}

async fn send(
    target: Target,
    req: BollardRequest,
) -> Result<hyper::Response<hyper::body::Incoming>, bollard::errors::Error> {
    let (mut parts, body) = req.into_parts();
    // The daemon is spoken to directly: origin-form target, any Host (dockerd ignores it).
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    parts.uri = path
        .parse()
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    parts.headers.insert(
        hyper::header::HOST,
        hyper::header::HeaderValue::from_static("docker"),
    );
    let stream: Box<dyn Stream> = match &target {
        Target::Unix(p) => Box::new(super::os::connect_unix(p).await?),
        Target::Tcp(a) => Box::new(tokio::net::TcpStream::connect(a.as_str()).await?),
        Target::Tls {
            address,
            server_name,
            config,
        } => {
            let tcp = tokio::net::TcpStream::connect(address.as_str()).await?;
            let tls = tokio_rustls::TlsConnector::from(config.clone())
                .connect(server_name.clone(), tcp)
                .await?;
            Box::new(tls)
        }
        Target::Ssh { argv, end } => {
            use tokio::io::AsyncReadExt;
            let mut child = tokio::process::Command::new(&argv[0])
                .args(&argv[1..])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .kill_on_drop(true)
                .spawn()?;
            let (Some(stdin), Some(stdout), Some(mut stderr)) =
                (child.stdin.take(), child.stdout.take(), child.stderr.take())
            else {
                return Err(io::Error::other("ssh gave no pipes").into());
            };
            let end = end.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let _ = (&mut stderr).take(64 << 10).read_to_end(&mut buf).await;
                let status = child.wait().await.ok().and_then(|s| s.code());
                if let Ok(mut e) = end.lock() {
                    *e = Some(SshEnd {
                        status,
                        stderr: String::from_utf8_lossy(&buf).into_owned(),
                    });
                }
            });
            Box::new(tokio::io::join(stdout, stdin))
        }
    };
    let io = TokioIo::new(Capped {
        inner: stream,
        left: STREAM_CAP,
    });
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender
        .send_request(hyper::Request::from_parts(parts, body))
        .await?)
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Reads at most `left` more bytes; past that every read fails with [`AnswerTooLarge`].
struct Capped {
    inner: Box<dyn Stream>,
    left: usize,
}

impl AsyncRead for Capped {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.left == 0 {
            return Poll::Ready(Err(io::Error::other(AnswerTooLarge(STREAM_CAP))));
        }
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &poll {
            let n = buf.filled().len() - before;
            self.left = self.left.saturating_sub(n);
        }
        poll
    }
}

impl AsyncWrite for Capped {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
