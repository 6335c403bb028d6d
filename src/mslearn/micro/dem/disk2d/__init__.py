"""micro/dem/disk2d."""
