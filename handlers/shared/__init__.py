"""What two or more features use: group targeting, regions, Chinese times and workdays,
formatting, short replies."""
