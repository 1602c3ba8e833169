use migrator_core::Model;

#[derive(Model)]
struct Book {
    id: i64,
    #[model(column = "title text")]
    title: String,
    #[model(column = "")]
    author: String,
    #[model(column = "a_column_name_that_is_much_longer_than_the_sixty_three_byte_limit")]
    isbn: String,
    naïve: bool,
}

fn main() {}
