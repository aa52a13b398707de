use foundation::MessageSize;

#[derive(MessageSize)]
union Bits {
    int: u32,
    float: f32,
}

fn main() {}
