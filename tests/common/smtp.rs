//! A real, minimal SMTP server for tests: it speaks enough of RFC 5321
//! (EHLO/HELO, MAIL FROM, RCPT TO, DATA with dot-unstuffing, RSET, NOOP,
//! QUIT) for lettre, records every message, can refuse mail with a chosen
//! reply, and can be stopped and started again on the same port.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// One message as the server took it.
#[derive(Debug, Clone)]
pub struct Received {
    pub from: String,
    pub recipients: Vec<String>,
    /// The DATA section, dot-unstuffed, with CRLF line ends.
    pub data: Vec<u8>,
}

impl Received {
    pub fn parse(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a parseable message")
    }
}

#[derive(Default)]
struct Shared {
    messages: Mutex<Vec<Received>>,
    /// When set, MAIL FROM is answered with this reply instead of 250.
    reject: Mutex<Option<String>>,
}

pub struct SmtpServer {
    port: u16,
    shared: Arc<Shared>,
    connections: Option<JoinSet<()>>,
}

/// A local port with nothing listening on it (yet).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().unwrap().port()
}

impl SmtpServer {
    /// Starts on a free port.
    pub async fn start() -> SmtpServer {
        Self::start_on(0).await
    }

    /// Starts on `port` (0: any free port).
    pub async fn start_on(port: u16) -> SmtpServer {
        let mut server = SmtpServer {
            port,
            shared: Arc::default(),
            connections: None,
        };
        server.listen().await;
        server
    }

    async fn listen(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port))
            .await
            .expect("SMTP test server binds");
        self.port = listener.local_addr().unwrap().port();
        let shared = self.shared.clone();
        let mut set = JoinSet::new();
        set.spawn(async move {
            let mut sessions = JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                sessions.spawn(session(stream, shared.clone()));
            }
        });
        self.connections = Some(set);
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Closes the listener and every open connection, as in an outage.
    pub async fn stop(&mut self) {
        if let Some(mut set) = self.connections.take() {
            set.shutdown().await;
        }
    }

    /// Listens again on the same port, keeping what was received.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.listen().await;
    }

    /// Answer MAIL FROM with `reply` (e.g. "451 4.3.0 Try again later"), or
    /// accept mail again with `None`.
    pub fn reject_with(&self, reply: Option<&str>) {
        *self.shared.reject.lock().unwrap() = reply.map(str::to_owned);
    }

    pub fn messages(&self) -> Vec<Received> {
        self.shared.messages.lock().unwrap().clone()
    }

    /// Waits until at least `n` messages have arrived, or panics after 15 s.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..300 {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "expected {n} message(s), the SMTP server has {}",
            self.messages().len()
        );
    }
}

async fn session(mut stream: TcpStream, shared: Arc<Shared>) {
    let _ = converse(&mut stream, &shared).await;
}

async fn converse(stream: &mut TcpStream, shared: &Shared) -> std::io::Result<()> {
    let (read, mut write) = stream.split();
    let mut read = BufReader::new(read);
    write.write_all(b"220 localhost ESMTP test\r\n").await?;
    let mut from: Option<String> = None;
    let mut recipients: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if read.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end_matches(['\r', '\n']);
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let answer: String = match verb.as_str() {
            "EHLO" => "250-localhost\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 PIPELINING".into(),
            "HELO" => "250 localhost".into(),
            "MAIL" => match shared.reject.lock().unwrap().clone() {
                Some(reject) => reject,
                None => {
                    from = Some(address(command));
                    recipients.clear();
                    "250 OK".into()
                }
            },
            "RCPT" if from.is_some() => {
                recipients.push(address(command));
                "250 OK".into()
            }
            "DATA" if !recipients.is_empty() => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = Vec::new();
                loop {
                    let mut raw = Vec::new();
                    if read.read_until(b'\n', &mut raw).await? == 0 {
                        return Ok(());
                    }
                    if raw == b".\r\n" || raw == b".\n" {
                        break;
                    }
                    // Dot-unstuffing: a leading "." was doubled by the client.
                    let body = if raw.starts_with(b".") {
                        &raw[1..]
                    } else {
                        &raw[..]
                    };
                    data.extend_from_slice(body);
                }
                shared.messages.lock().unwrap().push(Received {
                    from: from.take().unwrap_or_default(),
                    recipients: std::mem::take(&mut recipients),
                    data,
                });
                "250 OK queued".into()
            }
            "RCPT" | "DATA" => "503 Bad sequence of commands".into(),
            "RSET" => {
                from = None;
                recipients.clear();
                "250 OK".into()
            }
            "NOOP" => "250 OK".into(),
            "QUIT" => {
                write.write_all(b"221 Bye\r\n").await?;
                return Ok(());
            }
            _ => "502 Command not implemented".into(),
        };
        write.write_all(format!("{answer}\r\n").as_bytes()).await?;
    }
}

/// The address between angle brackets of "MAIL FROM:<a@b> BODY=8BITMIME".
fn address(command: &str) -> String {
    let start = command.find('<').map_or(0, |i| i + 1);
    let end = command[start..]
        .find('>')
        .map_or(command.len(), |i| start + i);
    command[start..end].to_owned()
}
