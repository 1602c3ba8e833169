use migrator_core::Model;

// Two indexes are the same index when their key and every option match: the same fields
// and the same condition repeat each other (the name does not count), and so does an index
// spelling out the default method on a field's own index. Two unnamed partial indexes over
// the same fields with different conditions are two indexes, and the later needs a name.
#[derive(Model)]
#[model(
    table = "tickets",
    index(fields = ["owner", "state"], condition = "state = 'open'"),
    index(fields = ["owner", "state"], name = "tickets_open_again", condition = "state = 'open'"),
    index(fields = ["owner", "state"], condition = "state = 'closed'"),
    index(fields = ["owner"], method = "btree")
)]
struct Ticket {
    id: i64,
    #[model(index)]
    owner: i64,
    #[model(max_length = 10)]
    state: String,
}

fn main() {}
