//! A server on a loopback port the kernel picks: it accepts connections on
//! a thread of its own and hands each to a handler, until it is dropped.
//! The one accept-and-stop loop of the harness's servers: the recording
//! engine over HTTP (`http.rs`), and the token server and the proxies in
//! front of the test registries (`registry.rs`).

use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

/// A listening server; dropping it stops the accept loop.
pub struct Loopback {
    /// `127.0.0.1:<port>`.
    pub host: String,
    stop: Arc<AtomicBool>,
}

impl Loopback {
    /// Starts accepting on `127.0.0.1`. `handle` gets each connection, on
    /// the accept thread: a handler that serves connections at the same
    /// time spawns a thread for each.
    pub fn serve(mut handle: impl FnMut(TcpStream) + Send + 'static) -> Loopback {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let host = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(stream) = stream {
                    handle(stream);
                }
            }
        });
        Loopback { host, stop }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.host.rsplit_once(':').unwrap().1.parse().unwrap()
    }
}

impl Drop for Loopback {
    /// Marks the loop stopped and wakes its blocking `accept` with a
    /// connection of its own, which the loop takes as the signal to end.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(&self.host);
    }
}
