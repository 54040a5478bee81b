//! Word counting: a word is a maximal run of non-whitespace characters,
//! where whitespace is Unicode `White_Space` (so `co-operative` is one word).

pub fn count_words(text: &str) -> usize {
    text.split_whitespace().count()
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the text has {count} words; the limit is {limit}")]
pub struct WordLimitExceeded {
    pub count: usize,
    pub limit: usize,
}

/// Text known to be within a word limit, with its count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordLimitedText {
    text: String,
    words: usize,
}

impl WordLimitedText {
    pub fn new(text: String, limit: Option<usize>) -> Result<Self, WordLimitExceeded> {
        let words = count_words(&text);
        match limit {
            Some(limit) if words > limit => Err(WordLimitExceeded {
                count: words,
                limit,
            }),
            _ => Ok(Self { text, words }),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn word_count(&self) -> usize {
        self.words
    }

    pub fn into_inner(self) -> String {
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_runs_of_non_whitespace() {
        assert_eq!(count_words(""), 0);
        assert_eq!(count_words("   "), 0);
        assert_eq!(count_words("co-operative party"), 2);
        assert_eq!(count_words("one\ttwo\nthree  four"), 4);
        // NO-BREAK SPACE is not White_Space's exclusion: it is whitespace in Unicode.
        assert_eq!(count_words("one\u{00A0}two\u{2003}three\u{3000}four"), 4);
        assert_eq!(count_words("£90 — fine"), 3);
    }

    #[test]
    fn unicode_spaces_separate_and_punctuation_counts() {
        // CR LF, vertical tab, form feed, LINE/PARAGRAPH SEPARATOR, NARROW
        // NO-BREAK SPACE and the ideographic space are all White_Space.
        assert_eq!(count_words("a\r\nb\u{000B}c\u{000C}d"), 4);
        assert_eq!(count_words("a\u{2028}b\u{2029}c\u{202F}d\u{205F}e"), 5);
        // ZERO WIDTH SPACE is not White_Space: it joins rather than separates.
        assert_eq!(count_words("co\u{200B}operative"), 1);
        // Punctuation on its own is a word; hyphens and apostrophes join.
        assert_eq!(count_words("Conference notes , and ; so on"), 7);
        assert_eq!(count_words("members' co-operative well-being"), 3);
        assert_eq!(count_words("\u{00A0}\t\n"), 0);
        assert_eq!(count_words("  leading and trailing  "), 3);
    }

    #[test]
    fn limit_is_inclusive() {
        let at_limit = vec!["word"; 300].join(" ");
        assert_eq!(
            WordLimitedText::new(at_limit, Some(300))
                .unwrap()
                .word_count(),
            300
        );
        let over = vec!["word"; 301].join(" ");
        assert_eq!(
            WordLimitedText::new(over, Some(300)).unwrap_err(),
            WordLimitExceeded {
                count: 301,
                limit: 300
            }
        );
        assert!(WordLimitedText::new("anything".into(), None).is_ok());
    }
}
