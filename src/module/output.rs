//! What a function returns, and its encoding as the JSON text the engine
//! expects from `returnValue`.

use dagger_sdk::{Container, Directory, File};

/// A function's result before encoding.
pub enum Output {
    Text(String),
    Container(Container),
    File(File),
    Directory(Directory),
}

impl Output {
    /// The JSON text for `returnValue`: a string as a JSON string, an object
    /// as the JSON string of its ID (one round trip, the pipeline's own).
    pub async fn encode(self) -> eyre::Result<String> {
        let text = match self {
            Output::Text(text) => text,
            Output::Container(c) => c.id().await?.0,
            Output::File(f) => f.id().await?.0,
            Output::Directory(d) => d.id().await?.0,
        };
        Ok(serde_json::to_string(&text)?)
    }
}
