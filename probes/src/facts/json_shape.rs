//! What a Go program decodes a JSON value into: a wrong type is an error that stops the
//! program reading the file (Go's `json.Unmarshal`), named here by its key path.

use serde_json::Value;

/// The Go type a key decodes into.
#[derive(Clone, Copy)]
pub enum Shape {
    Bool,
    /// A whole number.
    Int,
    /// A list of anything.
    List,
    Str,
    StrList,
    /// An object of strings.
    StrMap,
    /// An object of objects of strings (auths, proxies, plugins).
    MapOfStrMaps,
    Object,
}

/// Why `v` (at `at`) does not decode into `shape`, or `None` when it does. JSON null
/// decodes into anything.
pub fn mismatch(v: &Value, shape: Shape, at: &str) -> Option<String> {
    // JSON null decodes to the zero value in Go: never an error.
    if v.is_null() {
        return None;
    }
    let wrong = |want: &str| Some(format!("\"{at}\" is {}, not {want}", kind(v)));
    match shape {
        Shape::Bool => (!v.is_boolean()).then(|| wrong("true or false")).flatten(),
        Shape::Int => (!(v.is_i64() || v.is_u64()))
            .then(|| wrong("a whole number"))
            .flatten(),
        Shape::List => (!v.is_array()).then(|| wrong("a list")).flatten(),
        Shape::Str => (!v.is_string()).then(|| wrong("a string")).flatten(),
        Shape::Object => (!v.is_object()).then(|| wrong("an object")).flatten(),
        Shape::StrList => match v.as_array() {
            None => wrong("a list of strings"),
            Some(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, x)| mismatch(x, Shape::Str, &format!("{at}[{i}]"))),
        },
        Shape::StrMap => match v.as_object() {
            None => wrong("an object of strings"),
            Some(m) => m
                .iter()
                .find_map(|(k, x)| mismatch(x, Shape::Str, &format!("{at}.{k}"))),
        },
        Shape::MapOfStrMaps => match v.as_object() {
            None => wrong("an object"),
            Some(m) => m
                .iter()
                .find_map(|(k, x)| mismatch(x, Shape::StrMap, &format!("{at}.{k}"))),
        },
    }
}

pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
