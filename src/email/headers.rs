//! Header text that mail programs show exactly as written.
//!
//! lettre encodes a header word (RFC 2047) only when it has characters
//! outside ASCII, and writes ASCII words as they are. A subject holding
//! text shaped like an encoded word, such as a conference named
//! `Annual =?utf-8?b?SGFja2Vk?= Conference`, would then be decoded by the
//! reader's mail program and shown as "Annual Hacked Conference". Display
//! names need nothing: lettre encodes a name with `=?` in it whole.

use email_encoding::headers::rfc2047;
use email_encoding::headers::writer::EmailWriter;
use lettre::message::header::{HeaderName, HeaderValue};

const SUBJECT: &str = "Subject";

/// The `Subject` header for one line of text. Text containing `=?` is
/// encoded whole, so no part of it can be read as an encoded word; other
/// text is left to lettre.
pub fn subject(text: &str) -> HeaderValue {
    let name = HeaderName::new_from_ascii_str(SUBJECT);
    if !text.contains("=?") {
        return HeaderValue::new(name, text.to_owned());
    }
    let mut encoded = String::new();
    {
        let mut writer = EmailWriter::new(&mut encoded, SUBJECT.len() + ": ".len(), 0, false);
        rfc2047::encode(text, &mut writer).expect("writing to a String cannot fail");
    }
    HeaderValue::dangerous_new_pre_encoded(name, text.to_owned(), encoded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(subject_text: &str) -> (String, String) {
        let message = lettre::Message::builder()
            .from("conference@party.example".parse().unwrap())
            .to("ada@example.org".parse().unwrap())
            .raw_header(subject(subject_text))
            .body(String::from("body"))
            .unwrap();
        let raw = message.formatted();
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        (
            parsed.subject().unwrap().to_owned(),
            String::from_utf8(raw).unwrap(),
        )
    }

    #[test]
    fn encoded_words_in_text_are_shown_literally() {
        for text in [
            "Registration confirmed: Annual =?utf-8?b?SGFja2Vk?= Conference (PL-7K3M-9QXA)",
            "=?utf-8?q?Hacked?=",
            "Received: motion M1 for Cynhadledd =?iso-8859-1?q?caf=E9?= Gŵyl Flynyddol \
             Blynyddol y Blaid Gydweithredol, Caerdydd, a longer name that needs folding",
        ] {
            let (subject, raw) = shown(text);
            assert_eq!(subject, text, "{raw}");
            assert!(raw.lines().all(|l| l.len() <= 78), "{raw}");
        }
    }

    #[test]
    fn other_subjects_are_left_to_lettre() {
        let (subject, raw) = shown("Registration confirmed: Annual Conference 2016 (PL-1)");
        assert_eq!(
            subject,
            "Registration confirmed: Annual Conference 2016 (PL-1)"
        );
        assert!(
            raw.contains("Subject: Registration confirmed: Annual Conference 2016"),
            "{raw}"
        );
        let (subject, _) = shown("Siân's place at Caerdydd 2016");
        assert_eq!(subject, "Siân's place at Caerdydd 2016");
    }

    /// lettre's own encoding of display names, which needs no help.
    #[test]
    fn display_names_are_encoded_whole_by_lettre() {
        let name = "Ada =?utf-8?b?SGFja2Vk?=";
        let message = lettre::Message::builder()
            .from("conference@party.example".parse().unwrap())
            .to(lettre::message::Mailbox::new(
                Some(name.into()),
                "ada@example.org".parse().unwrap(),
            ))
            .subject("test")
            .body(String::from("body"))
            .unwrap();
        let raw = message.formatted();
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        let to = parsed.to().and_then(|a| a.first()).unwrap();
        assert_eq!(to.name(), Some(name));
    }
}
