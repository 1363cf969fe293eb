from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Pages of signed-in users (candidates, grids, deliberations) are never kept by browsers or proxies."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, " + response["Cache-Control"]
        return response
