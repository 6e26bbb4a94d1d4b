"""Who is asking, what they may do, and which rows and fields they may see."""
