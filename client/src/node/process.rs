//! The only `unsafe` in Brook: signals to child processes and a child that dies with its
//! parent (libc calls with no safe std equivalent). Everything else in the workspace
//! denies `unsafe_code`; the node supervisor ([`super::supervisor`]) and the tests call
//! these.
#![allow(
    unsafe_code,
    reason = "kill(2) and prctl(2) have no safe std equivalent; each call is justified below"
)]

use std::os::unix::process::CommandExt;
use std::process::Command;

/// Which signal to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// Ask to stop cleanly (the node drains and exits 0).
    Terminate,
    /// Ctrl-C.
    Interrupt,
}

/// Send `signal` to the process `pid`; `false` when the pid does not fit or kill(2)
/// failed (the process is gone).
pub fn send_signal(pid: u32, signal: Signal) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    let signal = match signal {
        Signal::Terminate => libc::SIGTERM,
        Signal::Interrupt => libc::SIGINT,
    };
    // SAFETY: kill(2) has no memory-safety preconditions. Callers pass their own
    // unreaped children, so the pid cannot have been recycled for another process.
    unsafe { libc::kill(pid, signal) == 0 }
}

/// Have the child `command` starts receive SIGTERM when this process dies, so a node
/// never outlives the tool or test that started it.
pub fn terminate_with_parent(command: &mut Command) {
    // SAFETY: the closure runs in the forked child before exec and only calls prctl(2),
    // which is async-signal-safe and touches no memory of ours.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}
