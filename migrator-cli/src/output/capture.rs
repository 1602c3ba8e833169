//! [`Captured`]: what an in-memory [`Output`](super::Output) wrote (tests, callers that embed
//! the CLI). A leaf of `output`.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

/// What a captured [`Output`](super::Output) wrote.
#[derive(Clone, Default)]
pub struct Captured {
    pub(super) out: Arc<Mutex<Vec<u8>>>,
    pub(super) err: Arc<Mutex<Vec<u8>>>,
}

impl Captured {
    /// Everything written to stdout so far.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().expect("capture lock")).into_owned()
    }

    /// Everything written to stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.err.lock().expect("capture lock")).into_owned()
    }
}

/// A writer into one of a [`Captured`]'s buffers.
pub(super) struct SharedBuf(pub(super) Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("capture lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
