"""What ``GET /images/{id}`` tells about an image beyond its header: dominant colours, placeholders."""
