//! Outside programs run on what users send (poppler's pdftoppm, tesseract): each with a
//! deadline, memory and CPU limits, a bounded number at once across the process, and its
//! files in a scratch directory only this process's user can read.

use std::io::{Read, Write};
use std::os::unix::fs::DirBuilderExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// What one run may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Wall-clock time before the program is killed.
    pub timeout: Duration,
    /// Address space (RLIMIT_AS).
    pub memory_bytes: u64,
    /// Processor time (RLIMIT_CPU).
    pub cpu_seconds: u64,
}

/// A page rendered by pdftoppm (a signer's page, a stamp preview, an identity PDF).
pub const RENDER: Limits = Limits {
    timeout: Duration::from_secs(20),
    memory_bytes: 2 << 30,
    cpu_seconds: 20,
};
/// An identity document read by tesseract.
pub const OCR: Limits = Limits {
    timeout: Duration::from_secs(60),
    memory_bytes: 2 << 30,
    cpu_seconds: 60,
};

/// Programs running at once, whoever asked: as many as cores, so that a burst of page
/// requests queues instead of taking the machine.
struct Slots {
    free: Mutex<usize>,
    released: Condvar,
}

static SLOTS: std::sync::LazyLock<Slots> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(2);
    Slots {
        free: Mutex::new(cores.max(1)),
        released: Condvar::new(),
    }
});

struct Slot;

impl Slot {
    /// Blocks (call it from a blocking thread) until a slot is free.
    fn take() -> Slot {
        let mut free = SLOTS
            .free
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        while *free == 0 {
            free = SLOTS
                .released
                .wait(free)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        *free -= 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        *SLOTS
            .free
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) += 1;
        SLOTS.released.notify_one();
    }
}

/// Runs `command` to its end under `limits`, feeding it `stdin`; its output, or why not.
/// Blocks: call it from a blocking thread.
pub fn run(
    command: &mut Command,
    stdin: Option<Vec<u8>>,
    limits: Limits,
) -> Result<Output, String> {
    let _slot = Slot::take();
    let (memory, cpu) = (limits.memory_bytes, limits.cpu_seconds);
    // SAFETY: between fork and exec only async-signal-safe calls are allowed; setrlimit
    // is one, and nothing here allocates.
    unsafe {
        command.pre_exec(move || {
            let set = |resource, value: u64| {
                let limit = libc::rlimit {
                    rlim_cur: value as libc::rlim_t,
                    rlim_max: value as libc::rlim_t,
                };
                if libc::setrlimit(resource, &limit) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            };
            set(libc::RLIMIT_AS, memory)?;
            set(libc::RLIMIT_CPU, cpu)
        });
    }
    let mut child = command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    // Feed and drain from other threads: the program may answer before it has read all,
    // and a full pipe must not stall it.
    let feeder = match (stdin, child.stdin.take()) {
        (Some(bytes), Some(mut pipe)) => Some(std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })),
        _ => None,
    };
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + limits.timeout;
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break status,
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("killed after {:?}", limits.timeout));
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    if let Some(feeder) = feeder {
        let _ = feeder.join();
    }
    Ok(Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

/// A scratch directory readable by this process's user only, removed when dropped: the
/// files of an identity document never sit where another local user could read them.
pub struct ScratchDir(PathBuf);

impl ScratchDir {
    pub fn new(purpose: &str) -> std::io::Result<ScratchDir> {
        let path = std::env::temp_dir().join(format!("paraphe-{purpose}-{}", uuid::Uuid::new_v4()));
        std::fs::DirBuilder::new().mode(0o700).create(&path)?;
        Ok(ScratchDir(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_program_past_its_deadline_is_killed() {
        let limits = Limits {
            timeout: Duration::from_millis(200),
            ..RENDER
        };
        let started = Instant::now();
        let outcome = run(Command::new("sleep").arg("10"), None, limits);
        assert!(outcome.unwrap_err().starts_with("killed after"));
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[test]
    fn memory_and_processor_time_are_bounded() {
        let limits = Limits {
            memory_bytes: 512 << 20,
            cpu_seconds: 7,
            ..RENDER
        };
        let output = run(
            Command::new("sh").args(["-c", "ulimit -v; ulimit -t"]),
            None,
            limits,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&output.stdout)
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["524288", "7"]
        );
    }

    #[test]
    fn input_goes_in_and_output_comes_out() {
        let output = run(&mut Command::new("cat"), Some(b"bonjour".to_vec()), RENDER).unwrap();
        assert_eq!(output.stdout, b"bonjour");
    }

    #[test]
    fn scratch_directories_are_private_and_cleaned() {
        let scratch = ScratchDir::new("test").unwrap();
        let path = scratch.path().to_path_buf();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o700
        );
        drop(scratch);
        assert!(!path.exists());
    }
}
