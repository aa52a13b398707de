use foundation::MessageSize;

#[derive(MessageSize)]
struct Order {
    id: u64,
    #[message_size(ignore)]
    note: String,
}

fn main() {}
