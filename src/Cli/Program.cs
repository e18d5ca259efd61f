Console.WriteLine("recommender");
