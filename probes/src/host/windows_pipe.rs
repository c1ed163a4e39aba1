//! Docker Desktop's engine on Windows: a named pipe (bollard's Windows-only connector).

pub fn named_pipe_client(
    url: &str,
    timeout_secs: u64,
    version: &bollard::ClientVersion,
) -> Result<bollard::Docker, bollard::errors::Error> {
    bollard::Docker::connect_with_named_pipe(url, timeout_secs, version)
}
