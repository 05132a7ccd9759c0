from rest_framework.pagination import PageNumberPagination


class Pages(PageNumberPagination):
    """100 a page by default; `page_size` up to 1,000 for tools that read everything."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
