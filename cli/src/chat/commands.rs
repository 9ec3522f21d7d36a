//! The chat subcommands and what each does.

use std::io::Read;
use std::time::{Duration, Instant};

use brook_client::invite::parse_link;
use brook_client::names::{key_hex, resolve, short_key};
use brook_client::native_link::NativeLink;
use brook_client::session::{ExportedIdentity, LoadedRoom};
use brook_client::{Error, Session};
use brook_common::ids::MemberKey;
use brook_common::room::config::Privacy;
use clap::{Args, Subcommand};
use serde_json::json;

use super::connect::connect;
use super::progress::step;
use super::render::{self, Format};

/// Options every chat command takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// The user's own node: its client API (host:port or ws://host:port)
    #[arg(
        long,
        global = true,
        env = "BROOK_NODE",
        default_value = "127.0.0.1:7509"
    )]
    pub node: String,
    /// The Brook web app (web container contract id) to act as [default: the one
    /// `cargo make run` publishes, from .brook/publisher.key]
    #[arg(long, global = true, env = "BROOK_APP")]
    pub app: Option<String>,
    /// Output: readable lines, or one JSON object per line (docs/cli.md)
    #[arg(long, global = true, value_enum, default_value = "human")]
    pub format: Format,
    /// State dir of `brook dev run`: node data, publisher key (which names the default --app)
    #[arg(long, global = true, default_value = ".brook")]
    pub state_dir: std::path::PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum ChatCommand {
    /// Rooms: create, list, show, configure, rotate the secret, leave
    #[command(subcommand)]
    Room(RoomCommand),
    /// Invite codes: make one for one person, accept one
    #[command(subcommand)]
    Invite(InviteCommand),
    /// Messages: send, list, follow
    #[command(subcommand)]
    Message(MessageCommand),
    /// Members: list the tree, ban, set your nickname, appoint moderators
    #[command(subcommand)]
    Member(MemberCommand),
    /// Your identities (one per room, kept by your chat delegate)
    #[command(subcommand)]
    Identity(IdentityCommand),
}

#[derive(Debug, Subcommand)]
pub enum RoomCommand {
    /// Create a room you own (private unless --public)
    Create {
        /// The room's name (readable by the nodes that host the room)
        name: String,
        /// Anyone holding the room's id can read it
        #[arg(long)]
        public: bool,
        /// Your nickname in the room
        #[arg(long)]
        nickname: Option<String>,
    },
    /// The rooms you hold an identity for
    List,
    /// A room's details: name, limits, moderators, secret, your standing
    Info {
        /// Room: an exact name or at least 4 hex digits of its id
        room: String,
    },
    /// Change a room you own
    Config {
        /// Room: an exact name or at least 4 hex digits of its id
        room: String,
        /// A new name
        #[arg(long)]
        name: Option<String>,
        /// A new description
        #[arg(long)]
        description: Option<String>,
        /// Messages the room keeps
        #[arg(long)]
        max_messages: Option<u32>,
        /// Largest message, bytes
        #[arg(long)]
        max_message_bytes: Option<u32>,
        /// Scheduled secret rotation, days (0: only on bans and leaves)
        #[arg(long)]
        rotation_days: Option<u64>,
    },
    /// Rotate a private room's secret now (owner only)
    Rotate {
        /// Room: an exact name or at least 4 hex digits of its id
        room: String,
    },
    /// Leave a room (your invitees keep their places)
    Leave {
        /// Room: an exact name or at least 4 hex digits of its id
        room: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum InviteCommand {
    /// Make an invite code for ONE person. It is a bearer credential: whoever holds it
    /// can join once (and, in a private room, read with the secret it carries); share
    /// it privately
    Create {
        /// Room: an exact name or at least 4 hex digits of its id
        room: String,
    },
    /// Join a room with an invite code or link (your delegate makes your identity)
    Accept {
        /// The code (brook1…) or link; `-` reads it from stdin
        code: String,
        /// Your nickname in the room
        #[arg(long)]
        nickname: Option<String>,
    },
    /// Revoke an unused code
    Revoke {
        /// The code (brook1…) or link
        code: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum MessageCommand {
    /// Send a message (`-` reads it from stdin)
    Send {
        /// Room: an exact name or at least 4 hex digits of its id
        room: String,
        /// The message (`-` reads it from stdin)
        text: String,
    },
    /// The room's messages, oldest first
    List {
        /// Room: an exact name or at least 4 hex digits of its id
        room: String,
        /// Only the newest N
        #[arg(long)]
        last: Option<usize>,
    },
    /// Print new messages as they arrive, until Ctrl-C (or --count / --timeout)
    Follow {
        /// Room: an exact name or at least 4 hex digits of its id
        room: String,
        /// Stop after N new messages
        #[arg(long)]
        count: Option<usize>,
        /// Stop after this many seconds without a new message
        #[arg(long)]
        timeout: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// The invitation tree, with roles
    List {
        /// Room: an exact name or at least 4 hex digits of its id
        room: String,
    },
    /// Ban a member (owner: with the secret rotation in one update)
    Ban {
        /// Room: an exact name or at least 4 hex digits of its id
        room: String,
        /// Member: exact nickname or at least 4 hex digits of its key
        member: String,
    },
    /// Set your nickname in a room
    Nickname {
        /// Room: an exact name or at least 4 hex digits of its id
        room: String,
        /// Your new nickname
        nickname: String,
    },
    /// Appoint a moderator (owner only)
    Promote {
        /// Room: an exact name or at least 4 hex digits of its id
        room: String,
        /// Member: an exact nickname or at least 4 hex digits of its key
        member: String,
    },
    /// Remove a moderator (owner only; the bans they issued are kept, re-signed by you)
    Demote {
        /// Room: an exact name or at least 4 hex digits of its id
        room: String,
        /// Member: an exact nickname or at least 4 hex digits of its key
        member: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum IdentityCommand {
    /// Your key in each room
    Whoami,
    /// Print your identity (one room, or all): it REVEALS YOUR KEYS
    Export {
        /// One room [default: all rooms]
        room: Option<String>,
        /// Required: you understand whoever holds the output can act as you
        #[arg(long)]
        i_understand_this_reveals_my_keys: bool,
    },
    /// Import identities from an export (a file, or `-` for stdin)
    Import {
        /// A file of identity lines, or `-` for stdin
        from: String,
    },
}

type Chat = Session<NativeLink>;

/// Run one chat command.
pub async fn run(global: &Global, command: ChatCommand) -> Result<(), Error> {
    let human = global.format == Format::Human;
    if let ChatCommand::Invite(InviteCommand::Revoke { code }) = &command {
        // Checked before connecting: a malformed code is refused either way.
        parse_link(&read_arg(code)?)?;
        return Err(Error::NotAllowed(
            "revoking an unused code needs a room record no Brook room has yet; until it \
             does, ban whoever used the code (`brook member ban`)"
                .into(),
        ));
    }
    let mut chat = step(human, "connecting to your node", connect(global)).await?;
    let out = Out {
        format: global.format,
    };
    match command {
        ChatCommand::Room(c) => room(&mut chat, &out, c).await,
        ChatCommand::Invite(c) => invite(&mut chat, &out, c).await,
        ChatCommand::Message(c) => message(&mut chat, &out, c).await,
        ChatCommand::Member(c) => member(&mut chat, &out, c).await,
        ChatCommand::Identity(c) => identity(&mut chat, &out, c).await,
    }
}

struct Out {
    format: Format,
}

impl Out {
    fn human(&self) -> bool {
        self.format == Format::Human
    }

    fn print(&self, human: impl FnOnce() -> String, json: impl FnOnce() -> serde_json::Value) {
        match self.format {
            Format::Human => println!("{}", human()),
            Format::Json => println!("{}", json()),
        }
    }
}

/// `-` reads the argument from stdin.
fn read_arg(arg: &str) -> Result<String, Error> {
    if arg != "-" {
        return Ok(arg.to_owned());
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Error::Link {
            fault: brook_client::Fault::Local,
            detail: format!("reading stdin: {e}"),
        })?;
    Ok(text.trim_end_matches('\n').to_owned())
}

/// A room by exact name or id prefix, among the rooms this app holds an identity for.
async fn find_room(chat: &mut Chat, reference: &str) -> Result<MemberKey, Error> {
    let rooms = chat.rooms().await?;
    let names: Vec<(MemberKey, Option<String>)> = rooms
        .iter()
        .map(|r| {
            (
                r.room,
                r.name
                    .as_ref()
                    .and_then(|n| n.readable().map(str::to_owned)),
            )
        })
        .collect();
    resolve(
        "room",
        reference,
        names.iter().map(|(k, n)| (k, n.as_deref(), ())),
    )
    .map(|(k, ())| k)
}

/// A member of `loaded` by exact nickname or key prefix.
fn find_member(loaded: &LoadedRoom, reference: &str) -> Result<MemberKey, Error> {
    let view = &loaded.view;
    resolve(
        "member",
        reference,
        view.members
            .iter()
            .filter(|m| m.present)
            .map(|m| (&m.key, view.nickname(&m.key), ())),
    )
    .map(|(k, ())| k)
}

async fn room(chat: &mut Chat, out: &Out, command: RoomCommand) -> Result<(), Error> {
    match command {
        RoomCommand::Create {
            name,
            public,
            nickname,
        } => {
            let privacy = if public {
                Privacy::Public
            } else {
                Privacy::Private
            };
            let room = step(
                out.human(),
                "creating the room",
                chat.create_room(privacy, &name),
            )
            .await?;
            if let Some(nick) = nickname {
                step(
                    out.human(),
                    "waiting for the room's first secret",
                    set_nickname_when_ready(chat, &room, &nick),
                )
                .await?;
            }
            out.print(
                || {
                    format!(
                        "created {} room \"{name}\": {}\ninvite someone: brook invite create {}",
                        render::privacy(privacy),
                        key_hex(&room),
                        short_key(&room)
                    )
                },
                || json!({"type": "room_created", "room": key_hex(&room), "name": name, "privacy": render::privacy(privacy)}),
            );
            Ok(())
        }
        RoomCommand::List => {
            let rooms = chat.rooms().await?;
            if out.human() && rooms.is_empty() {
                println!("no rooms yet: brook room create NAME, or brook invite accept CODE");
            }
            for r in &rooms {
                out.print(
                    || render::room_summary_words(r),
                    || render::room_summary_json(r),
                );
            }
            Ok(())
        }
        RoomCommand::Info { room } => {
            let room = find_room(chat, &room).await?;
            let loaded = chat.load(&room).await?;
            let view = &loaded.view;
            out.print(
                || {
                    let c = &view.config;
                    let mut lines = vec![
                        format!("room        {}", key_hex(&view.room)),
                        format!("name        {}", render::text_words(&view.name)),
                        format!("privacy     {}", render::privacy(view.privacy)),
                        format!(
                            "you         {}",
                            render::standing_words(&view.standing, view)
                        ),
                        format!(
                            "members     {} (max {})",
                            view.members.iter().filter(|m| m.present).count(),
                            c.max_members
                        ),
                        format!(
                            "messages    {} kept (max {}, {} bytes each)",
                            view.messages.len(),
                            c.max_messages,
                            c.max_message_bytes
                        ),
                        format!(
                            "moderators  {}",
                            if c.moderators.is_empty() {
                                "none".to_string()
                            } else {
                                c.moderators
                                    .iter()
                                    .map(|k| render::who(view, k))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            }
                        ),
                    ];
                    if let Some(v) = view.secrets.current {
                        lines.push(format!(
                            "secret      version {v}; you hold {}",
                            view.secrets
                                .newest_held
                                .map_or("none".into(), |h| format!("up to {h}"))
                        ));
                    }
                    if let Some(warning) = render::still_reading_words(view) {
                        lines.push(warning);
                    }
                    lines.join("\n")
                },
                || render::room_json(view),
            );
            Ok(())
        }
        RoomCommand::Config {
            room,
            name,
            description,
            max_messages,
            max_message_bytes,
            rotation_days,
        } => {
            let room = find_room(chat, &room).await?;
            let config = chat
                .edit_config(&room, |c| {
                    use brook_common::room::text::RoomText;
                    if let Some(n) = name {
                        c.name = RoomText::Plain(n);
                    }
                    if let Some(d) = description {
                        c.description = RoomText::Plain(d);
                    }
                    if let Some(m) = max_messages {
                        c.max_messages = m;
                    }
                    if let Some(m) = max_message_bytes {
                        c.max_message_bytes = m;
                    }
                    if let Some(days) = rotation_days {
                        c.rotation_period_secs = days.saturating_mul(86_400);
                    }
                })
                .await?;
            out.print(
                || format!("configuration version {} published", config.version),
                || json!({"type": "config", "room": key_hex(&room), "version": config.version}),
            );
            Ok(())
        }
        RoomCommand::Rotate { room } => {
            let room = find_room(chat, &room).await?;
            let version = step(out.human(), "rotating", chat.rotate_now(&room)).await?;
            out.print(
                || format!("the room secret is now version {version}"),
                || json!({"type": "rotated", "room": key_hex(&room), "version": version}),
            );
            Ok(())
        }
        RoomCommand::Leave { room } => {
            let room = find_room(chat, &room).await?;
            chat.leave(&room).await?;
            out.print(
                || "you left the room".into(),
                || json!({"type": "left", "room": key_hex(&room)}),
            );
            Ok(())
        }
    }
}

/// A new private room has no secret until the owner's delegate publishes version 0;
/// wait for it (a few seconds) before sealing the nickname.
async fn set_nickname_when_ready(
    chat: &mut Chat,
    room: &MemberKey,
    nick: &str,
) -> Result<(), Error> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match chat.set_nickname(room, nick).await {
            Err(Error::CannotPost(_)) | Err(Error::Seal(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            other => return other,
        }
    }
}

async fn invite(chat: &mut Chat, out: &Out, command: InviteCommand) -> Result<(), Error> {
    match command {
        InviteCommand::Create { room } => {
            let room = find_room(chat, &room).await?;
            let invitation = chat.invite(&room).await?;
            let code = invitation.code.to_text();
            let app = chat.link().app_id_text();
            let link = Some(invitation.code.link(&chat.link().http_base(), &app));
            out.print(
                || {
                    let mut s = format!(
                        "invite code (for ONE person; whoever holds it can join once{}; share it privately):\n{code}",
                        if invitation.code.room_secret().is_some() { " and read the room" } else { "" }
                    );
                    if let Some(link) = &link {
                        s.push_str(&format!("\nlink: {link}"));
                    }
                    s
                },
                || json!({"type": "invite", "room": key_hex(&room), "code": code, "link": link}),
            );
            Ok(())
        }
        InviteCommand::Accept { code, nickname } => {
            let code = parse_link(&read_arg(&code)?)?;
            let joined = step(out.human(), "joining", chat.accept(&code)).await?;
            if let Some(nick) = &nickname {
                if let Err(e) = chat.set_nickname(&joined.room, nick).await {
                    eprintln!("brook: joined, but the nickname was not set: {e}");
                }
            }
            if let Some(app) = joined.other_app {
                eprintln!(
                    "brook: note: the code was made in another Brook app ({}); you joined in yours",
                    brook_client::names::hex_of(&app)
                );
            }
            out.print(
                || {
                    format!(
                        "joined room {} as {}",
                        key_hex(&joined.room),
                        short_key(&joined.me)
                    )
                },
                || json!({"type": "joined", "room": key_hex(&joined.room), "me": key_hex(&joined.me)}),
            );
            Ok(())
        }
        InviteCommand::Revoke { .. } => Ok(()),
    }
}

async fn message(chat: &mut Chat, out: &Out, command: MessageCommand) -> Result<(), Error> {
    match command {
        MessageCommand::Send { room, text } => {
            let room = find_room(chat, &room).await?;
            let text = read_arg(&text)?;
            let posted = step(out.human(), "sending", chat.post(&room, &text)).await?;
            out.print(
                || "sent".into(),
                || json!({"type": "sent", "room": key_hex(&room), "id": brook_client::names::hex_of(&posted.id.0), "secret_version": posted.version}),
            );
            Ok(())
        }
        MessageCommand::List { room, last } => {
            let room = find_room(chat, &room).await?;
            let loaded = step(out.human(), "loading", chat.load(&room)).await?;
            let view = &loaded.view;
            let skip = last.map_or(0, |n| view.messages.len().saturating_sub(n));
            for m in view.messages.iter().skip(skip) {
                out.print(
                    || render::message_words(view, m),
                    || render::message_json(view, m),
                );
            }
            if out.human() {
                if let Some(warning) = render::still_reading_words(view) {
                    eprintln!("{warning}");
                }
            }
            Ok(())
        }
        MessageCommand::Follow {
            room,
            count,
            timeout,
        } => {
            let room = find_room(chat, &room).await?;
            chat.subscribe(&room).await?;
            let mut loaded = chat.load(&room).await?;
            let mut seen: std::collections::HashSet<_> =
                loaded.view.messages.iter().map(|m| m.id).collect();
            let mut printed = 0usize;
            let quiet = timeout.map(Duration::from_secs);
            let mut last_news = Instant::now();
            loop {
                let wait = Duration::from_secs(30);
                let (next, changed) = chat.next_view(&room, loaded, wait).await?;
                loaded = next;
                if changed {
                    for m in &loaded.view.messages {
                        if seen.insert(m.id) {
                            let view = &loaded.view;
                            out.print(
                                || render::message_words(view, m),
                                || render::message_json(view, m),
                            );
                            printed += 1;
                            last_news = Instant::now();
                        }
                    }
                }
                if count.is_some_and(|c| printed >= c) {
                    return Ok(());
                }
                if quiet.is_some_and(|q| last_news.elapsed() >= q) {
                    return Ok(());
                }
            }
        }
    }
}

async fn member(chat: &mut Chat, out: &Out, command: MemberCommand) -> Result<(), Error> {
    match command {
        MemberCommand::List { room } => {
            let room = find_room(chat, &room).await?;
            let loaded = chat.load(&room).await?;
            let view = &loaded.view;
            for m in &view.members {
                out.print(
                    || render::member_words(view, m),
                    || render::member_json(view, m),
                );
            }
            Ok(())
        }
        MemberCommand::Ban { room, member } => {
            let room = find_room(chat, &room).await?;
            let loaded = chat.load(&room).await?;
            let target = find_member(&loaded, &member)?;
            let banned = step(out.human(), "banning", chat.ban(&room, &target)).await?;
            out.print(
                || match banned.rotated_to {
                    Some(v) => format!("banned {}; the room secret moved to version {v}", short_key(&target)),
                    None if room == loaded.view.me.unwrap_or(room) => format!("banned {}", short_key(&target)),
                    None => format!("banned {}; the owner's node rotates the room secret when it sees the ban — until then they can still read what is sent", short_key(&target)),
                },
                || json!({"type": "banned", "room": key_hex(&room), "member": key_hex(&target), "rotated_to": banned.rotated_to}),
            );
            Ok(())
        }
        MemberCommand::Nickname { room, nickname } => {
            let room = find_room(chat, &room).await?;
            chat.set_nickname(&room, &nickname).await?;
            out.print(
                || format!("your nickname is now \"{nickname}\""),
                || json!({"type": "nickname", "room": key_hex(&room), "nickname": nickname}),
            );
            Ok(())
        }
        MemberCommand::Promote { room, member } => {
            let room = find_room(chat, &room).await?;
            let loaded = chat.load(&room).await?;
            let target = find_member(&loaded, &member)?;
            let config = chat
                .edit_config(&room, |c| c.moderators.push(target))
                .await?;
            out.print(
                || format!("{} is a moderator", short_key(&target)),
                || json!({"type": "moderators", "room": key_hex(&room), "moderators": config.moderators.iter().map(key_hex).collect::<Vec<_>>()}),
            );
            Ok(())
        }
        MemberCommand::Demote { room, member } => {
            let room = find_room(chat, &room).await?;
            let loaded = chat.load(&room).await?;
            let target = find_member(&loaded, &member)?;
            if !loaded.view.config.moderators.contains(&target) {
                return Err(Error::BadInput(format!(
                    "{} is not a moderator",
                    short_key(&target)
                )));
            }
            let config = chat
                .edit_config(&room, |c| c.moderators.retain(|m| *m != target))
                .await?;
            out.print(
                || format!("{} is no longer a moderator; the bans they issued stay, now signed by you", short_key(&target)),
                || json!({"type": "moderators", "room": key_hex(&room), "moderators": config.moderators.iter().map(key_hex).collect::<Vec<_>>()}),
            );
            Ok(())
        }
    }
}

async fn identity(chat: &mut Chat, out: &Out, command: IdentityCommand) -> Result<(), Error> {
    match command {
        IdentityCommand::Whoami => {
            for r in chat.rooms().await? {
                out.print(
                    || {
                        format!(
                            "{}  you: {}",
                            render::room_summary_words(&r),
                            r.me.as_ref().map_or("(damaged identity)".into(), key_hex)
                        )
                    },
                    || render::room_summary_json(&r),
                );
            }
            Ok(())
        }
        IdentityCommand::Export {
            room,
            i_understand_this_reveals_my_keys,
        } => {
            if !i_understand_this_reveals_my_keys {
                return Err(Error::BadInput(
                    "an export reveals your keys: whoever holds it can act as you. \
                     Add --i-understand-this-reveals-my-keys to go on"
                        .into(),
                ));
            }
            let room = match room {
                Some(r) => Some(find_room(chat, &r).await?),
                None => None,
            };
            let identities = chat.export_identities(room.as_ref()).await?;
            match out.format {
                Format::Human => {
                    println!("# Brook identities: these lines ARE your keys. Keep them secret.");
                    for i in &identities {
                        println!("{}", i.to_line().as_str());
                    }
                }
                Format::Json => {
                    for i in &identities {
                        println!(
                            "{}",
                            json!({"type": "identity", "room": key_hex(&i.room), "line": i.to_line().as_str()})
                        );
                    }
                }
            }
            Ok(())
        }
        IdentityCommand::Import { from } => {
            let text = if from == "-" {
                read_arg("-")?
            } else {
                std::fs::read_to_string(&from).map_err(|e| Error::Link {
                    fault: brook_client::Fault::Local,
                    detail: format!("reading {from}: {e}"),
                })?
            };
            let identities = ExportedIdentity::parse_block(&text)?;
            for (room, key) in chat.import_identities(&identities).await? {
                out.print(
                    || format!("imported room {} as {}", key_hex(&room), short_key(&key)),
                    || json!({"type": "imported", "room": key_hex(&room), "me": key_hex(&key)}),
                );
            }
            Ok(())
        }
    }
}
