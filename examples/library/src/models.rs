//! The library models. (Being written.)
