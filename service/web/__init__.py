"""The public pages in Chinese: views, their formatting, and the HTML error pages."""
