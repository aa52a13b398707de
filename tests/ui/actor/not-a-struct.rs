use foundation::prelude::*;

#[actor]
fn counter() {}

fn main() {}
