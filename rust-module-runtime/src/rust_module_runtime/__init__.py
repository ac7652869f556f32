"""Runtime shim that compiles the blumeops-ci Rust crate for the Dagger engine."""

from .main import RustModuleRuntime as RustModuleRuntime
