use foundation::prelude::*;

#[handlers]
fn add(_n: u64) {}

fn main() {}
