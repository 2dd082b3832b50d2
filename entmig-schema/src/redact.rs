//! Database URLs as they may be shown: passwords never appear in output, errors or logs.

/// The URL with every password replaced by `***`, for messages and logs: the one in the user
/// part (`postgres://app:***@db/app`), a `password=` query parameter, and a `password=` pair of
/// a key/value connection string (`host=db password=*** dbname=app`).
///
/// ```
/// assert_eq!(entmig_schema::redact("postgres://app:s3cret@db:5432/app"), "postgres://app:***@db:5432/app");
/// assert_eq!(entmig_schema::redact("postgres://app@db/app?password=s3cret"), "postgres://app@db/app?password=***");
/// assert_eq!(entmig_schema::redact("host=db password=s3cret dbname=app"), "host=db password=*** dbname=app");
/// assert_eq!(entmig_schema::redact("sqlite://app.db"), "sqlite://app.db");
/// ```
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return hide_password_pairs(url, &[' ', '\t']);
    };
    let (before_query, query) = match url.find('?') {
        Some(q) => (&url[..q], &url[q..]),
        None => (url, ""),
    };
    let rest = &before_query[scheme_end + 3..];
    // The user part ends at the last `@`: a password may hold `/` or `@` unencoded.
    let authority = match rest.rfind('@') {
        Some(at) => {
            let user_info = &rest[..at];
            match user_info.find(':') {
                Some(colon) => format!("{}:***{}", &user_info[..colon], &rest[at..]),
                None => rest.to_owned(),
            }
        }
        None => rest.to_owned(),
    };
    format!(
        "{}{authority}{}",
        &url[..scheme_end + 3],
        hide_password_pairs(query, &['&'])
    )
}

/// `password=…` values replaced, a value ending at one of `separators` (or a closing quote).
fn hide_password_pairs(text: &str, separators: &[char]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_key(rest, "password=") {
        let value_start = at + "password=".len();
        out.push_str(&rest[..value_start]);
        out.push_str("***");
        let value = &rest[value_start..];
        let end = match value.chars().next() {
            Some(quote @ ('\'' | '"')) => value[1..].find(quote).map_or(value.len(), |e| e + 2),
            _ => value.find(separators).unwrap_or(value.len()),
        };
        rest = &value[end..];
    }
    out.push_str(rest);
    out
}

/// The position of `key` at the start of `text` or after a separator (so `xpassword=` does not
/// count), case-insensitively.
fn find_key(text: &str, key: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find(key) {
        let at = from + found;
        let before = lower[..at].chars().next_back();
        if before.is_none_or(|c| matches!(c, ' ' | '\t' | '&' | '?')) {
            return Some(at);
        }
        from = at + key.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_password_is_hidden() {
        assert_eq!(redact("postgres://app@db/app"), "postgres://app@db/app");
        assert_eq!(
            redact("postgres://app:p@ss@db:5432/app"),
            "postgres://app:***@db:5432/app"
        );
        assert_eq!(redact("postgres://u:pa/ss@h/db"), "postgres://u:***@h/db");
        assert_eq!(
            redact("postgres://u@h/db?sslmode=disable&password=s3cret&application_name=x"),
            "postgres://u@h/db?sslmode=disable&password=***&application_name=x"
        );
        assert_eq!(
            redact("host=h password='a b' dbname=d"),
            "host=h password=*** dbname=d"
        );
        assert_eq!(redact("host=h mypassword=x"), "host=h mypassword=x");
        assert_eq!(redact("not a url"), "not a url");
    }
}
