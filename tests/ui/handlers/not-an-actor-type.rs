use foundation::prelude::*;

#[handlers]
impl [u8] {
    pub fn first(&self) -> u8 {
        self[0]
    }
}

fn main() {}
