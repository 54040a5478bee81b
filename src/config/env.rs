//! Which `PLENARY_*` environment variables are configuration keys.
//!
//! `PLENARY_<KEY>` sets a key. Every other `PLENARY_*` variable is ignored,
//! because the platform may set some: Kubernetes gives a Service named
//! `plenary` `PLENARY_SERVICE_HOST`, `PLENARY_PORT=tcp://…` and more, and
//! Docker links do the same. The exception is a name a small edit distance
//! from a key (`PLENARY_LISTN`), which is taken for a misspelling and stops
//! start-up; the service-link names are never read either way.

use figment::providers::Env;
use serde::de::{self, Deserialize, Deserializer, Visitor};

use super::Settings;

const PREFIX: &str = "PLENARY_";

/// The variable naming the configuration file: not a key, but a misspelling
/// of it is still worth catching.
const FILE_VARIABLE: &str = "config";

/// Furthest (Damerau–Levenshtein, so a swapped pair counts once) an unknown
/// name may be from a key and still be taken for a misspelling of it.
const NEAR_MISS_DISTANCE: usize = 2;

#[derive(Debug, PartialEq, Eq)]
pub(super) enum EnvVar {
    /// `PLENARY_<KEY>`: sets this key.
    Key(&'static str),
    /// Probably a misspelling of this variable.
    NearMiss(String),
    /// Not ours, `PLENARY_CONFIG`, a service link, or too far from any key.
    Ignored,
}

/// The figment provider of the `PLENARY_<KEY>` variables, and no others.
pub(super) fn provider() -> Env {
    Env::raw().filter_map(|name| match classify(name.as_str()) {
        EnvVar::Key(key) => Some(key.into()),
        _ => None,
    })
}

/// How the environment variable `name` is treated (case-insensitively, as
/// figment matches the prefix).
pub(super) fn classify(name: &str) -> EnvVar {
    let upper = name.to_ascii_uppercase();
    let Some(rest) = upper.strip_prefix(PREFIX) else {
        return EnvVar::Ignored;
    };
    let rest = rest.to_ascii_lowercase();
    if rest == FILE_VARIABLE || is_service_link(&upper) {
        return EnvVar::Ignored;
    }
    let keys = keys();
    if let Some(key) = keys.iter().find(|k| **k == rest) {
        return EnvVar::Key(key);
    }
    keys.iter()
        .chain([&FILE_VARIABLE])
        .map(|k| (strsim::damerau_levenshtein(&rest, k), k))
        .filter(|(distance, _)| *distance <= NEAR_MISS_DISTANCE)
        .min_by_key(|(distance, _)| *distance)
        .map_or(EnvVar::Ignored, |(_, k)| {
            EnvVar::NearMiss(format!("{PREFIX}{}", k.to_ascii_uppercase()))
        })
}

/// One line per probable misspelling among `names`, sorted.
pub(super) fn near_misses(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut lines: Vec<String> = names
        .into_iter()
        .filter_map(|name| match classify(&name) {
            EnvVar::NearMiss(meant) => Some(format!("`{name}`: did you mean `{meant}`?")),
            _ => None,
        })
        .collect();
    lines.sort();
    lines
}

/// Kubernetes service and Docker link variables (`name` upper case):
/// `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT[_<PORT NAME>]`, `<NAME>_PORT`
/// and `<NAME>_PORT_<number>_<protocol>[_PROTO|_PORT|_ADDR]`.
fn is_service_link(name: &str) -> bool {
    let parts: Vec<&str> = name.split('_').collect();
    parts.ends_with(&["SERVICE", "HOST"])
        || parts.windows(2).any(|w| w == ["SERVICE", "PORT"])
        || parts.last() == Some(&"PORT")
        || parts.windows(3).any(|w| {
            w[0] == "PORT"
                && !w[1].is_empty()
                && w[1].bytes().all(|b| b.is_ascii_digit())
                && ["TCP", "UDP", "SCTP"].contains(&w[2])
        })
}

/// The keys `Settings` accepts, as its `Deserialize` implementation names
/// them, so the list cannot drift from the struct.
pub(super) fn keys() -> &'static [&'static str] {
    let mut fields = None;
    // The deserializer always fails, once it has the field names.
    let _ = Settings::deserialize(FieldNames(&mut fields));
    fields.expect("Settings deserializes as a struct")
}

/// A deserializer that records the field names a struct asks for, then stops.
struct FieldNames<'a>(&'a mut Option<&'static [&'static str]>);

impl<'de> Deserializer<'de> for FieldNames<'_> {
    type Error = de::value::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, Self::Error> {
        *self.0 = Some(fields);
        Err(de::Error::custom("field names recorded"))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_the_settings_fields() {
        use figment::providers::{Format, Toml};
        use figment::{Profile, Provider};

        let defaults = Toml::string(super::super::DEFAULTS).data().unwrap();
        let mut expected: Vec<&str> = defaults[&Profile::Default]
            .keys()
            .map(String::as_str)
            .collect();
        // The keys with no default.
        expected.push("smtp_url");
        expected.push("metrics_token");
        expected.push("checkin_secret");
        expected.sort_unstable();
        let mut keys = keys().to_vec();
        keys.sort_unstable();
        assert_eq!(keys, expected);
    }

    #[test]
    fn every_key_is_read_from_its_variable() {
        for key in keys() {
            let name = format!("PLENARY_{}", key.to_ascii_uppercase());
            assert_eq!(classify(&name), EnvVar::Key(key), "{name}");
        }
        assert_eq!(classify("plenary_listen"), EnvVar::Key("listen"));
    }

    #[test]
    fn kubernetes_and_docker_link_variables_are_ignored() {
        for name in [
            "PLENARY_SERVICE_HOST",
            "PLENARY_SERVICE_PORT",
            "PLENARY_SERVICE_PORT_HTTP",
            "PLENARY_PORT",
            "PLENARY_PORT_8080_TCP",
            "PLENARY_PORT_8080_TCP_PROTO",
            "PLENARY_PORT_8080_TCP_PORT",
            "PLENARY_PORT_8080_TCP_ADDR",
            "PLENARY_PORT_53_UDP",
            "PLENARY_DB_SERVICE_HOST",
            "PLENARY_DB_PORT",
            "PLENARY_DB_PORT_5432_TCP_ADDR",
            "PLENARY_MAIL_SERVICE_PORT_SMTP",
        ] {
            assert!(is_service_link(name), "{name}");
            assert_eq!(classify(name), EnvVar::Ignored, "{name}");
        }
    }

    #[test]
    fn only_service_link_shapes_count_as_service_links() {
        for name in [
            "PLENARY_LISTEN",
            "PLENARY_PORTS",
            "PLENARY_PORT_HTTP_TCP",
            "PLENARY_PORT_8080_HTTP",
            "PLENARY_SERVICE_HOSTS",
            "PLENARY_SERVICE",
        ] {
            assert!(!is_service_link(name), "{name}");
        }
    }

    #[test]
    fn unknown_variables_far_from_every_key_are_ignored() {
        for name in [
            "PLENARY_CONFIG",
            "PLENARY_VERSION",
            "PLENARY_NAME",
            "PLENARY_HOME",
            "PLENARY_",
            "DATABASE_URL",
            "PATH",
            "LISTEN",
        ] {
            assert_eq!(classify(name), EnvVar::Ignored, "{name}");
        }
    }

    #[test]
    fn near_misses_name_the_key_meant() {
        for (name, meant) in [
            ("PLENARY_LISTN", "PLENARY_LISTEN"),
            ("PLENARY_LSITEN", "PLENARY_LISTEN"),
            ("plenary_listn", "PLENARY_LISTEN"),
            ("PLENARY_POOLSIZE", "PLENARY_POOL_SIZE"),
            ("PLENARY_TOKEN_TTL_HOUR", "PLENARY_TOKEN_TTL_HOURS"),
            ("PLENARY_SMTP_URI", "PLENARY_SMTP_URL"),
            ("PLENARY_CONFG", "PLENARY_CONFIG"),
        ] {
            assert_eq!(classify(name), EnvVar::NearMiss(meant.into()), "{name}");
        }
    }

    #[test]
    fn near_misses_are_reported_together_in_order() {
        let names = [
            "PLENARY_SERVICE_HOST",
            "PLENARY_POOLSIZE",
            "PLENARY_LISTEN",
            "PLENARY_LISTN",
            "PLENARY_VERSION",
        ]
        .map(String::from);
        assert_eq!(
            near_misses(names),
            [
                "`PLENARY_LISTN`: did you mean `PLENARY_LISTEN`?",
                "`PLENARY_POOLSIZE`: did you mean `PLENARY_POOL_SIZE`?",
            ]
        );
    }
}
