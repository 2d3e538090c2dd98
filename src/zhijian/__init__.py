"""执监 (Zhijian): enforcement supervision and quality management for Chinese courts."""
